"""`{% load money %}`, kept for the templates that still load it: the same `money` filter as
`{% load qc %}` (core/templatetags/qc.py), which new templates load instead."""

from django import template

from core.templatetags.qc import money, money_format

register = template.Library()
register.filter("money", money)

__all__ = ["money", "money_format", "register"]
