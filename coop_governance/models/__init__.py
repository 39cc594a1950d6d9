"""The coop's governance: by-laws as data, the member register, assemblies and votes.

One module per part; each part's models are imported here so that Django finds them.
"""

from coop_governance.models.assemblies import (
    AgendaItem,
    Assembly,
    AssemblyKind,
    AssemblyStatus,
    AttendanceSignature,
)
from coop_governance.models.bylaws import BoardSeats, Bylaws, QuorumRule, VoteAssurance
from coop_governance.models.members import (
    BoardMandate,
    Member,
    MemberCategory,
    MemberStatus,
    MemberStatusChange,
)
from coop_governance.models.votes import Majority, Motion, MotionStatus, OpenVote, VoteChoice

__all__ = [
    "AgendaItem",
    "Assembly",
    "AssemblyKind",
    "AssemblyStatus",
    "AttendanceSignature",
    "BoardMandate",
    "BoardSeats",
    "Bylaws",
    "Majority",
    "Member",
    "MemberCategory",
    "MemberStatus",
    "MemberStatusChange",
    "Motion",
    "MotionStatus",
    "OpenVote",
    "QuorumRule",
    "VoteAssurance",
    "VoteChoice",
]

from coop_governance.models.ristournes import (
    FiscalYear,
    RistourneAllocation,
    RistourneComputation,
    RistournePurchases,
    RistourneStatus,
)

__all__ += [
    "FiscalYear",
    "RistourneAllocation",
    "RistourneComputation",
    "RistournePurchases",
    "RistourneStatus",
]
