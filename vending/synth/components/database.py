"""The environment's RDS database, reachable from its instances only."""

from __future__ import annotations

from collections.abc import Callable

from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from vending.model import catalog
from vending.model.config import Database as DatabaseConfig
from vending.model.limits import storage_autoscaling_max
from vending.synth.components.customer_key import CustomerKey
from vending.synth.components.iam import assume_role_policy
from vending.synth.components.security_group import security_group

MASTER_USERNAME = "dbadmin"
LOG_EXPORTS = {
    "mysql": ["error", "general", "slowquery"],
    "mariadb": ["error", "general", "slowquery"],
    "postgres": ["postgresql", "upgrade"],
}
IAM_AUTH_ENGINES = {"mysql", "postgres"}
MONITORING_SECONDS = 60  # enhanced monitoring: OS metrics every minute
MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
# MySQL and MariaDB have no Performance Insights on the smallest burstable classes.
NO_PERFORMANCE_INSIGHTS = {"mysql": ("micro", "small"), "mariadb": ("micro", "small")}
# PostgreSQL: TLS only (RDS's default since PostgreSQL 15), and a query log of schema changes
# and of every statement slower than a second.
POSTGRES_PARAMETERS = {"rds.force_ssl": "1", "log_statement": "ddl", "log_min_duration_statement": "1000"}


def performance_insights(engine: str, instance_class: str) -> bool:
    return instance_class.rsplit(".", 1)[-1] not in NO_PERFORMANCE_INSIGHTS.get(engine, ())


def postgres_family(version: str) -> str:
    """The parameter group family of a PostgreSQL version: postgres16 for 16.3, postgres9.6 for 9.6.x."""
    major, _, rest = version.partition(".")
    return f"postgres{major}" if int(major) >= 10 else f"postgres{major}.{rest.split('.')[0]}"


def final_snapshot(identifier: str) -> str:
    """The final snapshot's name: the identifier (≤ 63) and a suffix fit RDS's 255."""
    return f"{identifier}-final"


class Database(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        identifier: str,
        db_name: str,
        subnet_group_name: str,
        security_group_name: str,
        vpc_id: str,
        subnet_ids: list[str],
        client_security_group_id: str,
        config: DatabaseConfig,
        monitoring_role_name: str,
        parameter_group_name: Callable[[str], str],
        key_alias: str,
        account_id: str,
        production: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group, security_group_id = security_group(
            self, security_group_name, f"Database {identifier}: its instances only", vpc_id
        )
        VpcSecurityGroupIngressRule(
            self,
            "ingress-from-instances",
            security_group_id=security_group_id,
            description="Database connections from the environment's instances",
            ip_protocol="tcp",
            from_port=config.port,
            to_port=config.port,
            referenced_security_group_id=client_security_group_id,
        )
        VpcSecurityGroupEgressRule(
            self,
            "instances-egress",
            security_group_id=client_security_group_id,
            description="Instances to their database",
            ip_protocol="tcp",
            from_port=config.port,
            to_port=config.port,
            referenced_security_group_id=security_group_id,
        )
        subnet_group = DbSubnetGroup(
            self,
            "subnet-group",
            name=subnet_group_name,
            description=f"Private subnets of {identifier}",
            subnet_ids=subnet_ids,
        )
        trust = assume_role_policy(self, "monitoring-trust", "monitoring.rds.amazonaws.com")
        self.monitoring_role = IamRole(
            self, "monitoring-role", name=monitoring_role_name, assume_role_policy=trust.json
        )
        monitoring_policy = IamRolePolicyAttachment(
            self, "monitoring-policy", role=self.monitoring_role.name, policy_arn=MONITORING_POLICY
        )
        insights = performance_insights(config.engine, config.instance_class)
        insights_key = (
            CustomerKey(
                self,
                "insights-key",
                description=f"Performance Insights of {identifier}",
                alias=key_alias,
                account_id=account_id,
            )
            if insights
            else None
        )
        parameter_group = None
        if config.engine == "postgres":
            family = postgres_family(config.version)
            parameter_group = DbParameterGroup(
                self,
                "parameters",
                name=parameter_group_name(family),
                family=family,
                description=f"TLS only and query logging for {identifier}",
                parameter=[DbParameterGroupParameter(name=k, value=v) for k, v in POSTGRES_PARAMETERS.items()],
                lifecycle={"create_before_destroy": True},
            )
        self.instance = DbInstance(
            self,
            "instance",
            identifier=identifier,
            engine=config.engine,
            engine_version=config.version,
            instance_class=config.instance_class,
            allocated_storage=config.storage_gb,
            max_allocated_storage=storage_autoscaling_max(config.storage_gb),
            storage_type="gp3",
            storage_encrypted=True,
            db_name=db_name,
            username=MASTER_USERNAME,
            # RDS keeps the password in Secrets Manager: it never appears in config or state.
            manage_master_user_password=True,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[security_group_id],
            publicly_accessible=False,
            multi_az=config.multi_az,
            backup_retention_period=config.backup_retention_days,
            deletion_protection=config.deletion_protection,
            # Every database, retired or destroyed, leaves a final snapshot (never taken twice:
            # RDS refuses a name in use, so a database retired twice needs the old one removed).
            skip_final_snapshot=False,
            final_snapshot_identifier=final_snapshot(identifier),
            copy_tags_to_snapshot=True,
            # A major version (8.0) takes AWS's minor upgrades; an exact pin (8.0.39) does not, or the
            # next plan would try to take the database back to the pinned version.
            auto_minor_version_upgrade=not catalog.exact_version(config.engine, config.version),
            iam_database_authentication_enabled=config.engine in IAM_AUTH_ENGINES,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS[config.engine],
            monitoring_interval=MONITORING_SECONDS,
            monitoring_role_arn=self.monitoring_role.arn,
            performance_insights_enabled=insights,
            performance_insights_retention_period=7 if insights else None,  # the free tier
            performance_insights_kms_key_id=insights_key.key_arn if insights_key else None,
            parameter_group_name=parameter_group.name if parameter_group else None,
            apply_immediately=not production,
            depends_on=[monitoring_policy],  # RDS checks the role's permissions on create
            # Read on create only: a later edit or removal of the field must not replace the database,
            # nor the database name the snapshot brought (a renamed environment's is the old one).
            snapshot_identifier=config.snapshot_identifier,
            lifecycle={"ignore_changes": ["snapshot_identifier", "db_name"]} if config.snapshot_identifier else None,
        )
