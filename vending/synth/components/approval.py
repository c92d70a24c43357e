"""Production's manual approval: an encrypted SNS topic that emails every approver."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from vending.synth.literal import literal


class ApprovalTopic(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, key_arn: str, emails: list[str]) -> None:
        super().__init__(scope, construct_id)
        self.topic = SnsTopic(self, "topic", name=name, kms_master_key_id=key_arn)
        self.topic_arn = self.topic.arn
        # Keyed by address, so reordering the list does not replace subscriptions. Each
        # approver confirms once, from the email AWS sends.
        self.subscriptions = [
            SnsTopicSubscription(
                self, f"email-{email}", topic_arn=self.topic_arn, protocol="email", endpoint=literal(email)
            )
            for email in emails
        ]
