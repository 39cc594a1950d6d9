"""The coop's governance: by-laws as data, the member register, assemblies and votes,
joining and withdrawal, proposals, by-laws changes and ristournes.

One module per part; each part's models are imported here so that Django finds them.
"""

from coop_governance.models.assemblies import (
    AgendaDocument,
    AgendaItem,
    Assembly,
    AssemblyKind,
    AssemblyStatus,
    AttendanceSignature,
    NoticeDelivery,
)
from coop_governance.models.bylaws import BoardSeats, Bylaws, QuorumRule, VoteAssurance
from coop_governance.models.bylaws_changes import BylawsChange
from coop_governance.models.elections import (
    BallotAlpha,
    CastBallot,
    Election,
    ElectionQuestion,
    ElectionStatus,
    ElectionTrustee,
    MixShuffle,
    PartialDecryption,
    QuestionKind,
)
from coop_governance.models.members import (
    BoardMandate,
    Member,
    MemberCategory,
    MemberStatus,
    MemberStatusChange,
)
from coop_governance.models.proposals import (
    CommentFlag,
    Proposal,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)
from coop_governance.models.ristournes import (
    FiscalYear,
    RistourneAllocation,
    RistourneComputation,
    RistournePurchases,
    RistourneStatus,
)
from coop_governance.models.shares import (
    RefundMethod,
    SharePurchase,
    SharePurchaseStatus,
    Withdrawal,
    WithdrawalStatus,
)
from coop_governance.models.votes import Majority, Motion, MotionStatus, OpenVote, VoteChoice

__all__ = [
    "AgendaDocument",
    "AgendaItem",
    "Assembly",
    "AssemblyKind",
    "AssemblyStatus",
    "AttendanceSignature",
    "BallotAlpha",
    "BoardMandate",
    "BoardSeats",
    "Bylaws",
    "BylawsChange",
    "CastBallot",
    "CommentFlag",
    "Election",
    "ElectionQuestion",
    "ElectionStatus",
    "ElectionTrustee",
    "FiscalYear",
    "Majority",
    "Member",
    "MemberCategory",
    "MemberStatus",
    "MemberStatusChange",
    "MixShuffle",
    "Motion",
    "MotionStatus",
    "NoticeDelivery",
    "OpenVote",
    "PartialDecryption",
    "Proposal",
    "ProposalComment",
    "ProposalStatus",
    "ProposalSupport",
    "QuestionKind",
    "QuorumRule",
    "RefundMethod",
    "RistourneAllocation",
    "RistourneComputation",
    "RistournePurchases",
    "RistourneStatus",
    "SharePurchase",
    "SharePurchaseStatus",
    "VoteAssurance",
    "VoteChoice",
    "Withdrawal",
    "WithdrawalStatus",
]
