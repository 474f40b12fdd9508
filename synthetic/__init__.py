"""Synthetic chain data: linked, realistic deliveries of every GI, Veilig Thuis organisation and the Raad.

`generate` simulates the youth protection chain (Veilig Thuis -> Raad voor de
Kinderbescherming -> court -> GI) from the reference data in definitions/ and the tuning
numbers in parameters.yaml, and writes monthly full snapshots into the inbox in the formats
real suppliers send (docs/contract.md sections 1-3).
"""

from .generator import DefectFile, GenerateSummary, WrittenFile, generate

__all__ = ["DefectFile", "GenerateSummary", "WrittenFile", "generate"]
