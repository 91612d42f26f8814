"""A pack whose config schema is not a valid JSON schema."""

from pulumi_policy import PolicyConfigSchema, PolicyPack, ResourceValidationPolicy

PolicyPack(
    name="bad-schema-pack",
    policies=[
        ResourceValidationPolicy(
            name="broken",
            description="Its schema names a type that does not exist.",
            config_schema=PolicyConfigSchema(properties={"limit": {"type": "integr"}}),
            validate=lambda args, report: None,
        )
    ],
)
