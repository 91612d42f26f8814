"""Types and invokes with no hand-written values in preflight: every value comes from SDK annotations."""

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pulumi_tls as tls

ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"])
zone = aws.route53.get_zone(name="example.com")
role = aws.iam.get_role(name="deployer")
parameter = aws.ssm.get_parameter(name="/app/version")
public_key = tls.get_public_key(private_key_openssh="-----BEGIN OPENSSH PRIVATE KEY-----")

balancer = aws.lb.LoadBalancer("web", subnets=["subnet-1", "subnet-2"])
certificate = aws.acm.Certificate("cert", domain_name="example.com", validation_method="DNS")
cluster = aws.eks.Cluster(
    "eks", role_arn=role.arn, vpc_config=aws.eks.ClusterVpcConfigArgs(subnet_ids=["subnet-1"])
)
http_api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
stage = aws.apigatewayv2.Stage("stage", api_id=http_api.id)
graphql = aws.appsync.GraphQLApi("graphql", authentication_type="API_KEY")
instance = aws.ec2.Instance("vm", ami=ami.image_id, instance_type="t3.micro")
table = aws.dynamodb.Table(
    "table",
    hash_key="id",
    attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")],
    stream_enabled=True,
    stream_view_type="NEW_IMAGE",
)
cache = aws.elasticache.ReplicationGroup("cache", description="sessions", node_type="cache.t4g.micro")
shuffle = random.RandomShuffle("shuffle", inputs=["a", "b", "c"])
secret_bytes = random.RandomBytes("bytes", length=16)
key = tls.PrivateKey("key", algorithm="ECDSA", ecdsa_curve="P256")
self_signed = tls.SelfSignedCert(
    "self-signed",
    private_key_pem=key.private_key_pem,
    validity_period_hours=24,
    allowed_uses=["server_auth"],
    subject=tls.SelfSignedCertSubjectArgs(common_name="example.com"),
)

pulumi.export("ami", ami)
pulumi.export("zone", zone)
pulumi.export("role", role)
pulumi.export("parameter", parameter)
pulumi.export("publicKey", public_key)
