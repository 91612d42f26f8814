"""lambda-not-public for Permissions: every service principal needs its binding, and a principal unknown at
preview is a note, not a pass."""

from __future__ import annotations

import json

import pytest
from policy_harness import ACCOUNT, R, U, run

RULE = "lambda-not-public"
PERMISSION = "aws:lambda/permission:Permission"
SKILL = "amzn1.ask.skill.12345678-1234-1234-1234-123456789012"


def permission(**props):
    return R(PERMISSION, "p", {"function": "f", "action": "lambda:InvokeFunction", **props})


def faults(resource):
    return [d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0] for d in run(RULE, [resource])]


@pytest.mark.parametrize("principal", ["alexa-appkit.amazon.com", "alexa-connectedhome.amazon.com"])
def test_an_alexa_principal_without_its_skill_is_open_to_every_skill(principal):
    assert faults(permission(principal=principal)) == [
        f"principal {principal} has no eventSourceToken naming the skill, so any Alexa skill (of any "
        "developer) can invoke the function"
    ]
    assert faults(permission(principal=principal, eventSourceToken="")) == faults(
        permission(principal=principal)
    )
    assert faults(permission(principal=principal, eventSourceToken=SKILL)) == []
    assert faults(permission(principal=principal, eventSourceToken=U)) == []


@pytest.mark.parametrize(
    ("principal", "service"),
    [
        # Not only *.amazonaws.com: every DNS name is a service principal, open to the service's customers.
        ("states.amazonaws.com.cn", "states"),
        ("events.amazonaws.com", "events"),
    ],
)
def test_any_service_principal_needs_a_source_account(principal, service):
    assert faults(permission(principal=principal)) == [
        f"principal {principal} has no sourceArn or sourceAccount naming an account, so any {service} "
        "resource in any account can invoke the function"
    ]
    assert faults(permission(principal=principal, sourceAccount=ACCOUNT)) == []


@pytest.mark.parametrize(
    "props",
    [
        # The project's own permissions: API Gateway on its execution ARN, Secrets Manager on its secret.
        {
            "principal": "apigateway.amazonaws.com",
            "sourceArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/dev/*/*",
        },
        {
            "principal": "secretsmanager.amazonaws.com",
            "sourceArn": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:trading-app-dev-AbCdEf",
        },
        {"principal": "s3.amazonaws.com", "sourceArn": "arn:aws:s3:::trading-uploads-dev"},
        {"principal": "alexa-appkit.amazon.com", "sourceAccount": ACCOUNT},
        {"principal": f"arn:aws:iam::{ACCOUNT}:role/caller"},
        {"principal": ACCOUNT},
    ],
)
def test_bound_and_named_principals_pass(props):
    assert run(RULE, [permission(**props)]) == []


@pytest.mark.parametrize(
    "props",
    [
        {"principal": U},
        {"principal": U, "sourceArn": "arn:aws:execute-api:us-east-1:*:abc123/*"},
        {"principal": U, "sourceArn": {"not": "an ARN"}},
    ],
)
def test_a_principal_unknown_at_preview_is_a_note(props):
    (diag,) = run(RULE, [permission(**props)])
    assert diag.level == "advisory"
    assert "\n[unknown at preview] [CRITICAL] aws:lambda/permission:Permission 'p': " in diag.message
    assert (
        "who can invoke the function cannot be checked until aws:lambda/permission:Permission 'p'.principal "
        "is known (it is built from values computed during deployment); preview with preflight --mode update"
    ) in diag.message


@pytest.mark.parametrize(
    "props",
    [
        {"principal": U, "sourceAccount": ACCOUNT},
        {"principal": U, "principalOrgId": "o-a1b2c3d4e5"},
        {"principal": U, "sourceArn": U},
    ],
)
def test_a_principal_unknown_at_preview_but_bound_by_its_conditions_passes(props):
    assert run(RULE, [permission(**props)]) == []


LAYER_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"


def layer(**props):
    return R(
        LAYER_PERMISSION,
        "layer",
        {"layerName": "shared", "versionNumber": 1, "action": "lambda:GetLayerVersion", **props},
    )


def test_a_layer_shared_with_every_account_is_public_unless_an_organization_limits_it():
    assert faults(layer(principal="*")) == [
        'layer version permission shares the layer with principal "*", every AWS account'
    ]
    assert faults(layer(principal="*", organizationId="")) == faults(layer(principal="*"))
    assert run(RULE, [layer(principal="*", organizationId="o-a1b2c3d4e5")]) == []
    assert run(RULE, [layer(principal=ACCOUNT)]) == []
    (note,) = run(RULE, [layer(principal=U)])
    assert note.level == "advisory"
    assert "who may use the layer cannot be checked until" in note.message


def test_a_function_url_whose_authorization_is_unknown_is_a_note():
    url = R("aws:lambda/functionUrl:FunctionUrl", "url", {"functionName": "f", "authorizationType": U})
    (note,) = run(RULE, [url])
    assert note.level == "advisory"
    assert "who may call the URL cannot be checked until" in note.message
    assert (
        run(
            RULE,
            [
                R(
                    "aws:lambda/functionUrl:FunctionUrl",
                    "url",
                    {"functionName": "f", "authorizationType": "AWS_IAM"},
                )
            ],
        )
        == []
    )


RESOURCE_POLICY = "aws:lambda/resourcePolicy:ResourcePolicy"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"


def resource_policy(*statements, policy=None):
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return R(RESOURCE_POLICY, "rp", {"resourceArn": FUNCTION_ARN, "policy": policy or json.dumps(document)})


def invoke(principal, condition=None, action="lambda:InvokeFunction"):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": FUNCTION_ARN}
    return {**statement, "Condition": condition} if condition else statement


def test_a_whole_resource_policy_open_to_every_account_is_a_violation():
    (diag,) = run(RULE, [resource_policy(invoke("*"))])
    assert diag.level == "mandatory"
    assert faults(resource_policy(invoke("*"), invoke({"AWS": ["*", "*"]}, action="lambda:GetFunction"))) == [
        'policy Statement[0] allows "*" Action [lambda:InvokeFunction] without a Condition, so any AWS '
        "account (or anyone, through a URL) can call the function",
        'policy Statement[1] allows {"AWS": "*"} Action [lambda:GetFunction] without a Condition, so any AWS '
        "account (or anyone, through a URL) can call the function",
    ]
    url = invoke("*", {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}, "lambda:InvokeFunctionUrl")
    assert faults(resource_policy(url)) == [
        'policy Statement[0] allows "*" Action [lambda:InvokeFunctionUrl] with a Condition on '
        "lambda:FunctionUrlAuthType that binds no caller to an account, organisation or source, so any AWS "
        "account (or anyone, through a URL) can call the function"
    ]


def test_a_whole_resource_policy_needs_a_source_for_every_service_principal():
    assert faults(resource_policy(invoke({"Service": "events.amazonaws.com"}))) == [
        'policy Statement[0] allows {"Service": "events.amazonaws.com"} Action [lambda:InvokeFunction] '
        "without an aws:SourceArn or aws:SourceAccount naming an account, so any events resource in any "
        "account can invoke the function"
    ]
    alexa = {"Service": "alexa-appkit.amazon.com"}
    assert len(faults(resource_policy(invoke(alexa)))) == 1
    assert (
        len(faults(resource_policy(invoke(alexa, {"StringLike": {"lambda:EventSourceToken": SKILL}})))) == 1
    )
    assert len(faults(resource_policy(invoke(alexa, {"StringEquals": {"lambda:EventSourceToken": ""}})))) == 1
    assert faults(resource_policy(invoke(alexa, {"StringEquals": {"lambda:EventSourceToken": SKILL}}))) == []


@pytest.mark.parametrize(
    "statement",
    [
        invoke({"Service": "s3.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
        invoke("*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
        invoke({"AWS": ["123456789012", f"arn:aws:iam::{ACCOUNT}:role/caller"]}),
        {**invoke("*"), "Effect": "Deny"},
    ],
)
def test_a_whole_resource_policy_for_named_or_bound_callers_passes(statement):
    assert run(RULE, [resource_policy(statement)]) == []


def test_a_whole_resource_policy_unknown_or_unreadable():
    (note,) = run(RULE, [resource_policy(policy=U)])
    assert note.level == "advisory"
    assert "who can invoke the function cannot be checked until" in note.message
    assert faults(resource_policy(policy="{")) == [
        "policy is unreadable: policy document is not valid JSON: Expecting property name enclosed in double "
        "quotes at line 1 column 2"
    ]
