"""The tags every resource of these programs carries, so only the reproduced mistake is at fault."""

TAGS = {
    "Environment": "dev",
    "Project": "trading",
    "ManagedBy": "pulumi",
    "Compliance": "PCI-DSS",
    "DataClassification": "confidential",
}
