"""Benchmark of preflight end to end (not a test): wall time, peak memory and where the time goes.

Measures, each in a fresh interpreter as `python -m preflight` runs:
  * the project's dev stack with the project's pack (`policy/`), skipped with a message when either is absent;
  * generated programs of about 500 and 5,000 resources (components, cross-references, invokes, a realistic
    mix of KMS, S3, CloudWatch Logs and IAM resources) with the same pack (or the test pack without it).
For each: end-to-end wall time, peak memory of the whole process tree (preflight's own peak plus the
largest pack process's, from getrusage), the program's own run time and what analysis added after it.
Then checks the targets of issue 3 on a 2-core machine and prints PASS or MISS for each.

    python benchmarks/preflight_bench.py [--mode preview|update] [--sizes 500,5000] [--pack DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACK = ROOT / "policy"
FALLBACK_PACK = ROOT / "tests" / "preflight" / "packs" / "basic"
RESOURCES_PER_UNIT = 10  # one component and nine resources

TARGET_DEV_SECONDS = 2.0
TARGET_5000_SECONDS = 15.0
TARGET_RATIO = 11.0
TARGET_ANALYSIS_SHARE = 0.20
TARGET_PEAK_MB = 400.0

COMPONENT = '''\
"""One storage unit: a key, a bucket with its versioning, encryption and public access block, a log group
and a role whose inline policy reads the bucket."""

import json

import pulumi
import pulumi_aws as aws

ASSUME = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


class Storage(pulumi.ComponentResource):
    def __init__(self, name, logs_key_arn, upstream_bucket_arn, opts=None):
        super().__init__("bench:index:Storage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = {"Environment": "dev", "Project": "bench", "ManagedBy": "pulumi", "Unit": name}
        key = aws.kms.Key(f"{name}-key", description=f"{name} data", enable_key_rotation=True,
                          deletion_window_in_days=7, tags=tags, opts=child)
        aws.kms.Alias(f"{name}-alias", name=f"alias/bench-{name}-dev", target_key_id=key.key_id, opts=child)
        bucket = aws.s3.Bucket(f"{name}-bucket", bucket=f"bench-{name}-123456789012-us-east-1-dev", tags=tags,
                               opts=child)
        aws.s3.BucketVersioning(f"{name}-versioning", bucket=bucket.id,
                                versioning_configuration={"status": "Enabled"}, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                "kms_master_key_id": key.arn}}],
            opts=child)
        aws.s3.BucketPublicAccessBlock(f"{name}-pab", bucket=bucket.id, block_public_acls=True,
                                       block_public_policy=True, ignore_public_acls=True,
                                       restrict_public_buckets=True, opts=child)
        aws.cloudwatch.LogGroup(f"{name}-logs", name=f"/bench/{name}", retention_in_days=365,
                                kms_key_id=logs_key_arn, tags=tags, opts=child)
        readable = [bucket.arn.apply(lambda arn: f"{arn}/*")]
        if upstream_bucket_arn is not None:
            readable.append(upstream_bucket_arn.apply(lambda arn: f"{arn}/*"))
        document = aws.iam.get_policy_document_output(
            statements=[{"actions": ["s3:GetObject"], "resources": readable}])
        role = aws.iam.Role(f"{name}-role", assume_role_policy=ASSUME, tags=tags, opts=child)
        aws.iam.RolePolicy(f"{name}-read", role=role.id, policy=document.json, opts=child)
        self.bucket_arn = bucket.arn
        self.register_outputs({"bucketArn": bucket.arn})
'''

MAIN = '''\
"""A generated program: storage units that each read the previous unit's bucket, one shared logs key."""

import pulumi
import pulumi_aws as aws

from storage import Storage

units = int(pulumi.Config().require("units"))
logs_key = aws.kms.Key("logs-key", description="shared logs key", enable_key_rotation=True)
previous = None
arns = []
for index in range(units):
    unit = Storage(f"unit{index}", logs_key.arn, previous)
    previous = unit.bucket_arn
    arns.append(unit.bucket_arn)
pulumi.export("firstBuckets", arns[:5])
'''


def generate(directory: Path, resources: int) -> int:
    """Writes a project of about ``resources`` resources; returns the number of storage units."""
    units = max(1, round(resources / RESOURCES_PER_UNIT))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: us-east-1\n  bench:units: {units}\n")
    (directory / "storage.py").write_text(COMPONENT)
    (directory / "__main__.py").write_text(MAIN)
    return units


def measure_here(project: str, stack: str, mode: str, packs: list[str]) -> None:
    """Child side: one run in this fresh interpreter; prints its numbers as JSON on the last line."""
    sys.path.insert(0, str(ROOT))
    from preflight import runner
    from preflight.model import Mode

    result, timings = runner.run_timed(project, stack, policy_packs=packs, mode=Mode(mode))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    packs_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    mandatory = sum(1 for v in result.violations if v.enforcement_level == "mandatory")
    print(
        json.dumps(
            {
                "resources": len(result.resources),
                "violations": len(result.violations),
                "mandatory": mandatory,
                "program": timings.program,
                "analysis": timings.analysis,
                "run": timings.total,
                "peak_mb": (own + packs_peak) / 1024,
                "own_mb": own / 1024,
                "pack_mb": packs_peak / 1024,
            }
        )
    )


def measure(label: str, project: Path, mode: str, packs: list[Path]) -> dict:
    """Parent side: runs the child and adds the end-to-end wall time (interpreter start and imports too)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(project), "dev", mode]
    command += [str(p) for p in packs]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{label}: preflight failed:\n{done.stderr.strip()[-2000:]}")
    numbers = json.loads(done.stdout.strip().splitlines()[-1])
    numbers["wall"] = wall
    share = numbers["analysis"] / numbers["program"] if numbers["program"] else 0.0
    numbers["share"] = share
    print(
        f"{label:<28} {numbers['resources']:>6} resources  wall {wall:6.2f} s  "
        f"program {numbers['program']:6.2f} s  "
        f"analysis +{numbers['analysis']:5.2f} s ({share:5.1%})  peak {numbers['peak_mb']:6.1f} MB "
        f"(preflight {numbers['own_mb']:.0f} + pack {numbers['pack_mb']:.0f})  "
        f"violations {numbers['violations']} ({numbers['mandatory']} mandatory)"
    )
    return numbers


def verdict(ok: bool, text: str) -> bool:
    print(f"{'PASS' if ok else 'MISS'}  {text}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=("preview", "update"), default="preview")
    parser.add_argument("--sizes", default="500,5000", help="resource counts of the generated programs")
    parser.add_argument("--pack", type=Path, help="pack for the generated programs (default: policy/)")
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        project, stack, mode, *packs = args.measure
        measure_here(project, stack, mode, packs)
        return

    pack = PROJECT_PACK if (PROJECT_PACK / "PulumiPolicy.yaml").is_file() else FALLBACK_PACK
    generated_pack = (args.pack or pack).resolve()
    print(
        f"preflight benchmark, mode {args.mode}, pack {pack.relative_to(ROOT)} "
        f"(generated programs: {generated_pack}), "
        f"python {sys.version.split()[0]}"
    )
    results: dict[str, dict] = {}
    if (ROOT / "Pulumi.yaml").is_file() and (ROOT / "Pulumi.dev.yaml").is_file() and pack == PROJECT_PACK:
        results["dev"] = measure("dev stack + policy/", ROOT, args.mode, [pack])
    else:
        print(
            "dev stack: skipped (needs Pulumi.yaml, Pulumi.dev.yaml and policy/PulumiPolicy.yaml in the repo)"
        )
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="preflight-bench-") as tmp:
        for size in sizes:
            project = Path(tmp) / f"program{size}"
            generate(project, size)
            alone = measure(f"generated ~{size}, no pack", project, args.mode, [])
            results[str(size)] = measure(f"generated ~{size}", project, args.mode, [generated_pack])
            # What analysis adds end to end: the same run with and without the pack, the program's own
            # run being the run without it (the pack's start and AnalyzeStack included).
            results[str(size)]["added"] = (results[str(size)]["wall"] - alone["wall"]) / alone["program"]

    print()
    checks = []
    if "dev" in results:
        checks.append(
            verdict(
                results["dev"]["wall"] < TARGET_DEV_SECONDS,
                f"dev stack end to end {results['dev']['wall']:.2f} s < {TARGET_DEV_SECONDS:g} s",
            )
        )
    if "5000" in results:
        big = results["5000"]
        checks.append(
            verdict(
                big["wall"] < TARGET_5000_SECONDS,
                f"5,000 resources end to end {big['wall']:.2f} s < {TARGET_5000_SECONDS:g} s",
            )
        )
        checks.append(
            verdict(
                big["added"] <= TARGET_ANALYSIS_SHARE,
                f"analysis adds {big['added']:.1%} to the 5,000-resource program's own run end to end "
                f"({big['share']:.1%} after the program ended) (<= {TARGET_ANALYSIS_SHARE:.0%})",
            )
        )
    if "500" in results and "5000" in results:
        ratio = results["5000"]["wall"] / results["500"]["wall"]
        checks.append(
            verdict(
                ratio <= TARGET_RATIO, f"5,000 / 500 wall time ratio {ratio:.1f} <= {TARGET_RATIO:g} (linear)"
            )
        )
    peak = max(r["peak_mb"] for r in results.values())
    checks.append(verdict(peak < TARGET_PEAK_MB, f"peak memory {peak:.0f} MB < {TARGET_PEAK_MB:g} MB"))
    print(f"{sum(checks)} of {len(checks)} targets met")


if __name__ == "__main__":
    main()
