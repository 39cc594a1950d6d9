import pytest
from django.urls import reverse

from identity.models import User
from lockers.models import Compartment, Site

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Site, Compartment])
def test_admin_pages_render(client, make_site, model):
    client.force_login(
        User.objects.create_superuser("root@example.com", "pw", given_name="A", family_name="B")
    )
    make_site()
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "Casiers"}).status_code == 200
    change = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change", args=[model.objects.first().pk]
    )
    assert client.get(change).status_code == 200
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
