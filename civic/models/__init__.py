"""The civic app's models: sealed tenders and payables."""

from civic.models.payables import Payable, PayableKind, PayableStatus, PayeeAccount
from civic.models.tenders import (
    Bid,
    BoardCheckpoint,
    OpeningShare,
    Supplier,
    SupplierRepresentative,
    TenderCall,
    TenderDocument,
    TenderOfficial,
    TenderRecord,
    TenderStatus,
)

__all__ = [
    "Bid",
    "BoardCheckpoint",
    "OpeningShare",
    "Payable",
    "PayableKind",
    "PayableStatus",
    "PayeeAccount",
    "Supplier",
    "SupplierRepresentative",
    "TenderCall",
    "TenderDocument",
    "TenderOfficial",
    "TenderRecord",
    "TenderStatus",
]
