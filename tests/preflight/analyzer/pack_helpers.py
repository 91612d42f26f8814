"""Builders for the analyzer tests: resources as the engine records them, pack folders, pack clients."""

from pathlib import Path

from google.protobuf import struct_pb2

from preflight.analyzer import PolicyPackClient, StackSettings, load_pack_spec
from preflight.model import UNKNOWN, Resource

PACKS = Path(__file__).resolve().parents[1] / "packs"
STACK_URN = "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev"
PROVIDER_URN = "urn:pulumi:dev::shop::pulumi:providers:aws::default_7_51_1"


def struct(values: dict) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(values)
    return result


def provider() -> Resource:
    return Resource(
        urn=PROVIDER_URN,
        type="pulumi:providers:aws",
        name="default_7_51_1",
        custom=True,
        parent=None,
        protect=False,
        dependencies=[],
        property_dependencies={},
        inputs=struct({"region": "eu-west-1", "version": "7.51.1"}),
    )


def resource(type_: str, name: str, inputs: dict, *, outputs: dict | None = None, **options) -> Resource:
    options.setdefault("parent", STACK_URN)
    options.setdefault("provider", f"{PROVIDER_URN}::{UNKNOWN}")
    return Resource(
        urn=f"urn:pulumi:dev::shop::{type_}::{name}",
        type=type_,
        name=name,
        custom=options.pop("custom", True),
        protect=options.pop("protect", False),
        dependencies=options.pop("dependencies", []),
        property_dependencies=options.pop("property_dependencies", {}),
        inputs=struct(inputs),
        outputs=None if outputs is None else struct(outputs),
        **options,
    )


def lookup_in(*resources: Resource):
    by_urn = {r.urn: r for r in resources}

    def lookup(reference):
        return by_urn.get(reference.rsplit("::", 1)[0]) if reference else None

    return lookup


def settings(dry_run: bool = True, config: dict | None = None) -> StackSettings:
    return StackSettings(
        project="shop",
        stack="dev",
        dry_run=dry_run,
        config={"aws:region": "eu-west-1", "shop:limits": {"max": 3}} if config is None else config,
        secret_keys=frozenset({"shop:dbPassword"}),
    )


def client(pack: str | Path, config=None, **kwargs) -> PolicyPackClient:
    directory = pack if isinstance(pack, Path) else PACKS / pack
    return PolicyPackClient(
        load_pack_spec(directory), kwargs.pop("stack_settings", settings()), config, **kwargs
    )
