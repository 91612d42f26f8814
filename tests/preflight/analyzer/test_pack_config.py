"""Policy config: parsing the --policy-config file, merging it like the CLI, and each validation error."""

import json

import pytest

from preflight.errors import PreflightError
from preflight.model import PackInfo, PolicyInfo
from preflight.policy_config import PolicyConfig, load_policy_config, parse_policy_config, reconcile

SCHEMA = {
    "properties": {
        "minimumDays": {"type": "integer", "minimum": 1, "maximum": 3653, "default": 365},
        "mode": {"type": "string", "enum": ["strict", "lenient"], "default": "strict"},
        "prefix": {"type": "string", "pattern": "^[a-z]+-$"},
        "owner": {
            "type": "object",
            "properties": {"team": {"type": "string"}},
            "required": ["team"],
            "additionalProperties": False,
        },
        "exemptions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "resource": {"type": "string"},
                    "reason": {"type": "string", "minLength": 10},
                    "expires": {"type": "string", "format": "date"},
                },
                "required": ["resource", "reason"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["mode"],
}
PACK = PackInfo(
    "retention-pack",
    "1.0.0",
    (
        PolicyInfo("log-retention", "Logs are kept.", "mandatory", config_schema=SCHEMA),
        PolicyInfo("log-encrypted", "Logs are encrypted.", "advisory"),
    ),
)


def write(tmp_path, content: str):
    path = tmp_path / "config.json"
    path.write_text(content)
    return path


def test_a_file_maps_policies_to_levels_or_objects(tmp_path):
    path = write(
        tmp_path,
        json.dumps(
            {
                "log-retention": {"enforcementLevel": "advisory", "minimumDays": 30},
                "log-encrypted": "disabled",
                "other": {"mode": "strict"},
            }
        ),
    )
    assert load_policy_config(path) == {
        "log-retention": PolicyConfig("advisory", {"minimumDays": 30}),
        "log-encrypted": PolicyConfig("disabled", {}),
        "other": PolicyConfig(None, {"mode": "strict"}),
    }


def test_an_empty_file_is_an_empty_config(tmp_path):
    assert load_policy_config(write(tmp_path, "  \n")) == {}


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(PreflightError, match=r"policy config .*nothing\.json: no such file"):
        load_policy_config(tmp_path / "nothing.json")


def test_an_unreadable_file_is_named(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PreflightError, match=r"binary\.json: is not UTF-8 text \(byte 1, line 1\)"):
        load_policy_config(path)


def test_invalid_json_names_line_and_column(tmp_path):
    with pytest.raises(PreflightError, match=r"config\.json: not valid JSON: .* \(line 2, column 1\)"):
        load_policy_config(write(tmp_path, '{"a": "advisory",\n}'))


@pytest.mark.parametrize(
    ("data", "kind"),
    [([], "an array"), ("advisory", "a string"), (3, "a number"), (True, "a boolean"), (None, "null")],
)
def test_the_top_level_must_be_an_object(data, kind):
    with pytest.raises(PreflightError, match=f"must be a JSON object .*, not {kind}$"):
        parse_policy_config(data, "cfg.json")


def test_a_policy_entry_must_be_a_level_or_an_object():
    with pytest.raises(
        PreflightError, match=r"cfg\.json: log-retention: 7 is not valid; use an enforcement level"
    ):
        parse_policy_config({"log-retention": 7}, "cfg.json")


def test_an_unknown_level_is_rejected_in_both_forms():
    with pytest.raises(
        PreflightError, match=r'log-retention: "blocking" is not an enforcement level; use one of'
    ):
        parse_policy_config({"log-retention": "blocking"}, "cfg.json")
    with pytest.raises(
        PreflightError, match=r'log-retention\.enforcementLevel: "soft" is not an enforcement level'
    ):
        parse_policy_config({"log-retention": {"enforcementLevel": "soft"}}, "cfg.json")
    with pytest.raises(PreflightError, match=r"log-retention\.enforcementLevel: 1 is not a string"):
        parse_policy_config({"log-retention": {"enforcementLevel": 1}}, "cfg.json")


def test_defaults_come_from_the_schema_and_levels_from_the_policies():
    merged, warnings = reconcile(PACK, {}, {}, "cfg.json")
    assert merged == {
        "log-retention": PolicyConfig("mandatory", {"minimumDays": 365, "mode": "strict"}),
        "log-encrypted": PolicyConfig("advisory", {}),
    }
    assert warnings == []


def test_initial_config_then_the_file_override_defaults():
    initial = {
        "log-retention": PolicyConfig("mandatory", {"minimumDays": 90}),
        "gone-policy": PolicyConfig("advisory"),
    }
    given = {"log-retention": PolicyConfig(None, {"mode": "lenient"})}
    merged, _ = reconcile(PACK, initial, given, "cfg.json")
    assert merged["log-retention"] == PolicyConfig("mandatory", {"minimumDays": 90, "mode": "lenient"})


def test_all_sets_every_level_and_a_named_policy_still_wins():
    given = {"all": PolicyConfig("advisory"), "log-encrypted": PolicyConfig("mandatory")}
    merged, _ = reconcile(PACK, {}, given, "cfg.json")
    assert merged["log-retention"].enforcement_level == "advisory"
    assert merged["log-encrypted"].enforcement_level == "mandatory"
    without_level, _ = reconcile(PACK, {}, {"all": PolicyConfig(None)}, "cfg.json")
    assert without_level["log-retention"].enforcement_level == "mandatory"


def test_an_unknown_policy_is_named_with_a_suggestion():
    with pytest.raises(
        PreflightError,
        match=r"cfg\.json: log-retension: .* has no such policy \(did you mean log-retention\?\)",
    ):
        reconcile(PACK, {}, {"log-retension": PolicyConfig("advisory")}, "cfg.json")
    with pytest.raises(PreflightError, match=r"zzz: .*\(its policies: log-retention, log-encrypted\)"):
        reconcile(PACK, {}, {"zzz": PolicyConfig("advisory")}, "cfg.json")


def test_a_setting_the_schema_does_not_name_is_a_warning():
    given = {
        "log-retention": PolicyConfig(None, {"minimumDay": 30}),
        "log-encrypted": PolicyConfig(None, {"x": 1}),
    }
    _, warnings = reconcile(PACK, {}, given, "cfg.json")
    assert warnings == [
        "policy config cfg.json: log-retention.minimumDay is not a setting of this policy (its settings: "
        "exemptions, minimumDays, mode, owner, prefix); the Pulumi CLI passes it on unchecked",
        "policy config cfg.json: log-encrypted.x is not a setting of this policy (its settings: none); "
        "the Pulumi CLI passes it on unchecked",
    ]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"minimumDays": "30"}, r"log-retention\.minimumDays: '30' is not of type 'integer'"),
        ({"minimumDays": 0}, r"log-retention\.minimumDays: 0 is less than the minimum of 1"),
        ({"minimumDays": 4000}, r"log-retention\.minimumDays: 4000 is greater than the maximum of 3653"),
        ({"mode": "loose"}, r"log-retention\.mode: 'loose' is not one of \['strict', 'lenient'\]"),
        ({"prefix": "Acme"}, r"log-retention\.prefix: 'Acme' does not match '\^\[a-z\]\+-\$'"),
        ({"owner": {}}, r"log-retention\.owner: 'team' is a required property"),
        (
            {"owner": {"team": "a", "x": 1}},
            r"log-retention\.owner: Additional properties are not allowed \('x' was",
        ),
        ({"exemptions": {}}, r"log-retention\.exemptions: \{\} is not of type 'array'"),
        (
            {"exemptions": [{"resource": "b", "reason": "short"}]},
            r"exemptions\[0\]\.reason: 'short' is too short",
        ),
        (
            {"exemptions": [{"resource": "b", "reason": "a good reason", "expires": "30/06/2027"}]},
            r"log-retention\.exemptions\[0\]\.expires: '30/06/2027' is not a 'date'",
        ),
        (
            {"minimumDays": "x", "mode": 1},
            r"minimumDays: 'x' is not of type 'integer' \(and 2 more problems\)$",
        ),
    ],
)
def test_settings_that_break_the_schema_are_named(settings, problem):
    with pytest.raises(PreflightError, match=r"^policy config cfg\.json: " + ".*" + problem):
        reconcile(PACK, {}, {"log-retention": PolicyConfig(None, settings)}, "cfg.json")


def test_a_required_setting_without_default_is_missing_at_the_policy():
    pack = PackInfo(
        "p",
        "1",
        (PolicyInfo("needs", "d", "mandatory", config_schema={"properties": {"k": {}}, "required": ["k"]}),),
    )
    with pytest.raises(PreflightError, match=r"^policy config defaults: needs: 'k' is a required property$"):
        reconcile(pack, {}, {}, "defaults")


def test_a_pack_with_an_invalid_schema_is_reported():
    pack = PackInfo(
        "p",
        "1",
        (PolicyInfo("odd", "d", "mandatory", config_schema={"properties": {"k": {"type": "integr"}}}),),
    )
    with pytest.raises(
        PreflightError, match=r"^policy pack p: policy odd has an invalid config schema: .*integr"
    ):
        reconcile(pack, {}, {}, "defaults")
