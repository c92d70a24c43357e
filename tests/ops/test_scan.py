"""The security scan: checkov over the session's synthesized samples, and the wrapper's
judgement of a report (allow-list with both id forms, stale entries, parse errors, no checks)."""

from __future__ import annotations

import pytest

from tests.conftest import DELETE, ConfigDir, synthesize
from vending.ops import scan

STACKS = {
    "acme-prod": {
        "resource": {
            "aws_db_instance": {"database_instance_D7": {"//": {"metadata": {"path": "acme-prod/database/instance"}}}},
            "aws_lb": {"alb_load-balancer_6E": {}},
        },
        "data": {"aws_iam_policy_document": {"key_key-policy_71": {}}},
    },
    "shared-alb": {"resource": {"aws_lb": {"shared_load-balancer_59": {}}}},
}


def item(check: str, stack: str, resource: str) -> dict:
    return {
        "check_id": check,
        "check_name": f"{check} title",
        "file_path": f"/{stack}/cdk.tf.json",
        "resource": resource,
    }


SUBNETS = [f"subnet-0123456789abcdef{i}" for i in range(4)]
EVERY_STACK_PASSES_ONE = (item("CKV_OK", "acme-prod", "aws_lb.a"), item("CKV_OK", "shared-alb", "aws_lb.b"))


def report(failed=(), passed=EVERY_STACK_PASSES_ONE, **summary):
    return {
        "check_type": "terraform_json",
        "results": {"failed_checks": list(failed), "passed_checks": list(passed)},
        "summary": {
            "passed": len(passed),
            "failed": len(failed),
            "parsing_errors": 0,
            "checkov_version": "3",
            **summary,
        },
    }


def allowed(check: str, resource: str) -> scan.Allowed:
    return scan.Allowed((check,), resource, "reviewed")


def test_the_samples_have_no_unreviewed_finding(sample_synth, capsys):
    result = scan.scan(sample_synth.outdir)
    with capsys.disabled():
        print(f"\n  scan: {result.lines()[-1]}")
    assert result.ok, "\n".join(result.lines())
    assert result.passed > 500 and result.allowed


def test_a_platform_beyond_the_samples_has_no_unreviewed_finding(tmp_path):
    # Existing VPC ids, DynamoDB locking, a production PostgreSQL database with Performance
    # Insights, and a database outside production in an environment not called dev.
    config = ConfigDir(tmp_path / "customers").platform(
        network={
            "cidr": DELETE,
            "availability_zones": DELETE,
            "vpc_id": "vpc-0123456789abcdef0",
            "public_subnet_ids": SUBNETS[:2],
            "private_subnet_ids": SUBNETS[2:],
        },
        state={"lock": "dynamodb", "lock_table": "vend-locks"},
    )
    config.customer(
        "initech", "prod", database={"engine": "postgres", "version": "16", "instance_class": "db.m5.large"}
    )
    config.customer("initech", "qa", database={"engine": "mysql", "version": "8.0"})
    synth = synthesize(config.path, tmp_path / "cdktf.out")
    result = scan.scan(synth.outdir, stale=False)
    assert result.ok, "\n".join(result.lines())
    excused = {(f.check, f.stack) for f in result.allowed}
    assert {("CKV_AWS_293", "initech-qa"), ("CKV_AWS_157", "initech-qa")} <= excused  # by property, not by name
    assert not any(stack == "initech-prod" and check in ("CKV_AWS_293", "CKV_AWS_157") for check, stack in excused)


def test_an_entry_for_non_production_holds_only_outside_production():
    entry = scan.Allowed(("CKV_AWS_293",), "*/aws_db_instance.*", "disposable", production=False)
    finding = scan.Finding("CKV_AWS_293", "", "acme-qa", "aws_db_instance.db", "aws_db_instance.db", "p")
    assert entry.covers(finding)
    assert not entry.covers(
        scan.Finding("CKV_AWS_293", "", "acme-prod", "aws_db_instance.db", "aws_db_instance.db", "p")
    )
    assert not entry.covers(
        scan.Finding("CKV_AWS_293", "", "shared-alb", "aws_db_instance.db", "aws_db_instance.db", "p")
    )


def test_a_finding_is_reported_with_its_construct_path():
    result = scan.evaluate(report([item("CKV_AWS_157", "acme-prod", "resource.database_instance_D7")]), [], STACKS)
    assert not result.ok
    assert result.lines()[0] == (
        "FAILED CKV_AWS_157 acme-prod/database/instance (acme-prod/aws_db_instance.database_instance_D7): "
        "CKV_AWS_157 title"
    )
    assert result.lines()[-1] == "checkov 3: 2 passed, 1 failed, 0 allow-listed"


@pytest.mark.parametrize(
    "printed", ["resource.database_instance_D7", "aws_db_instance.database_instance_D7"], ids=["single", "graph"]
)
def test_allow_list_matches_both_id_forms(printed):
    entry = allowed("CKV_AWS_157", "acme-prod/aws_db_instance.database_instance_*")
    result = scan.evaluate(report([item("CKV_AWS_157", "acme-prod", printed)]), [entry], STACKS)
    assert result.ok and len(result.allowed) == 1


def test_data_sources_are_matched_as_data_addresses():
    entry = allowed("CKV_AWS_356", "*/data.aws_iam_policy_document.key_key-policy_*")
    result = scan.evaluate(report([item("CKV_AWS_356", "acme-prod", "data.key_key-policy_71")]), [entry], STACKS)
    assert result.ok


def test_an_entry_covers_its_check_only():
    entry = allowed("CKV_AWS_293", "acme-prod/aws_db_instance.*")
    result = scan.evaluate(report([item("CKV_AWS_157", "acme-prod", "resource.database_instance_D7")]), [entry], STACKS)
    assert [f.check for f in result.failed] == ["CKV_AWS_157"]
    assert result.stale == [entry]


def test_a_stale_entry_fails_the_scan():
    result = scan.evaluate(report(), [allowed("CKV_AWS_260", "*/aws_vpc_security_group_ingress_rule.*")], STACKS)
    assert not result.ok
    assert (
        result.lines()[0]
        == "STALE allow-list entry CKV_AWS_260 */aws_vpc_security_group_ingress_rule.*: matches nothing"
    )


def test_parse_errors_fail_the_scan():
    broken = report(parsing_errors=1)
    broken["results"]["parsing_errors"] = ["/work/cdktf.out/stacks/acme-prod/cdk.tf.json"]
    assert scan.evaluate(broken, [], STACKS).problems == [
        "/work/cdktf.out/stacks/acme-prod/cdk.tf.json: checkov could not parse it"
    ]


def test_a_stack_without_any_check_fails_the_scan():
    # e.g. a file checkov skipped without saying so (terraform.required_version, say)
    result = scan.evaluate(report(passed=[item("CKV_OK", "shared-alb", "aws_lb.b")]), [], STACKS)
    assert result.problems == ["stacks/acme-prod: no check ran on it"]


def test_no_checks_at_all_fails_the_scan():
    # what checkov prints with --framework terraform over *.tf.json: a bare summary, exit 0
    nothing = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}
    result = scan.evaluate(nothing, [], STACKS)
    assert "no check ran at all" in result.problems and not result.ok


def test_allow_list_entries_must_give_a_reason(tmp_path):
    path = tmp_path / "allow.yaml"
    path.write_text("- check: CKV_AWS_1\n  resource: '*'\n  reason: ''\n")
    with pytest.raises(scan.ScanError, match="reason must say why"):
        scan.load_allowlist(path)
    path.write_text("- check: CKV_AWS_1\n  resource: '*'\n")
    with pytest.raises(scan.ScanError, match="needs check, resource and reason"):
        scan.load_allowlist(path)
    path.write_text("- check: CKV_AWS_1\n  resource: '*'\n  reason: x\n  production: maybe\n")
    with pytest.raises(scan.ScanError, match="production must be true or false"):
        scan.load_allowlist(path)


def test_the_committed_allow_list_loads_and_every_entry_says_why():
    entries = scan.load_allowlist()
    assert entries and all(len(entry.reason) > 40 for entry in entries)
