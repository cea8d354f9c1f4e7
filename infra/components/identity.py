"""The Cognito user pool and the app client the API signs users in through."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from conduit.resources import UserPool


class Identity(Construct):
    """Email sign-in, no self sign-up: the register function creates users with admin calls."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        pool: UserPool,
        retain: bool,
        token_minutes: int | None = None,
        threat_protection: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.declaration = pool
        self.threat_protection = threat_protection
        policy = pool.password_policy
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=pool.physical_name(stage),
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            self_sign_up_enabled=False,
            # RealWorld's only password rule is a length (its example password is `jakejake`).
            # Cognito's own maximum is fixed, so `policy.max_length` needs no setting here.
            password_policy=cognito.PasswordPolicy(
                min_length=policy.min_length,
                require_lowercase=False,
                require_uppercase=False,
                require_digits=False,
                require_symbols=False,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # Registration sends a code to the email (GetUserAttributeVerificationCode); a new
            # email waits for the code sent to it, and until then the old one stays the sign-in
            # and the contact: a stolen token cannot move the account's recovery address.
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            # The only attribute the app client may write (see `write_attributes` below).
            custom_attributes={
                pool.client_writable_attribute: cognito.StringAttribute(min_len=0, max_len=1, mutable=True)
            },
            # LITE has all this pool uses (admin-created users, ADMIN_USER_PASSWORD_AUTH,
            # refresh tokens, a password policy) at the lowest price per active user. ESSENTIALS
            # adds managed login, passwordless sign-in and access-token customisation, none of
            # which an API whose frontend posts a password uses. PLUS adds threat protection
            # (compromised credentials, adaptive authentication), priced for every active user:
            # a stage setting, on for prod (`StageConfig.threat_protection`).
            feature_plan=cognito.FeaturePlan.PLUS if threat_protection else cognito.FeaturePlan.LITE,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION
            if threat_protection
            else None,
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
            deletion_protection=retain,
        )
        NagSuppressions.add_resource_suppressions(
            self.user_pool,
            [
                NagPackSuppression(
                    id="AwsSolutions-COG1",
                    reason="The RealWorld spec's only password rule is a length (its example "
                    "password is `jakejake`); the pool requires the declared minimum length "
                    f"({policy.min_length}) and no character classes, or conforming clients break.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-COG2",
                    reason="RealWorld has no MFA step: login is one POST of email and password "
                    "that must return the token, so a second factor cannot be asked for.",
                ),
            ],
        )
        if threat_protection:
            # Sign-ins and password changes with a password known from breaches are refused.
            # Adaptive authentication (risk by IP and device) only records: the API signs users
            # in from its functions and does not yet pass the viewer's context (ContextData), so
            # Cognito would rate the functions' addresses, not the users' (docs/architecture.md).
            risk = cognito.CfnUserPoolRiskConfigurationAttachment
            risk(
                self,
                "RiskConfiguration",
                user_pool_id=self.user_pool.user_pool_id,
                client_id="ALL",
                compromised_credentials_risk_configuration=risk.CompromisedCredentialsRiskConfigurationTypeProperty(
                    actions=risk.CompromisedCredentialsActionsTypeProperty(event_action="BLOCK"),
                    event_filter=["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"],
                ),
            )
        else:
            NagSuppressions.add_resource_suppressions(
                self.user_pool,
                [
                    NagPackSuppression(
                        id="AwsSolutions-COG3",
                        reason="Threat protection is a stage setting (`-c threatProtection=true`, "
                        "on for prod): this stage is not open to the public, and the edge's WAF "
                        "limits sign-ins per IP where there is one; Cognito's own lockout applies.",
                    ),
                    NagPackSuppression(
                        id="AwsSolutions-COG8",
                        reason="LITE on a stage without threat protection (see feature_plan): PLUS "
                        "only adds threat protection, priced per active user, on for prod.",
                    ),
                ],
            )
        self.client = self.user_pool.add_client(
            "WebClient",
            user_pool_client_name=pool.client_name(stage),
            generate_secret=False,
            # ADMIN_USER_PASSWORD_AUTH only (it needs IAM: only the API signs users in), and
            # refresh tokens, which CDK always adds (`UserPool.client_auth_flows`).
            auth_flows=cognito.AuthFlow(admin_user_password=True),
            # No hosted UI: without this CDK enables OAuth flows with example.com callbacks.
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            # a stage setting (`-c tokenMinutes=...`): revocation bounds what a stolen one is worth
            access_token_validity=Duration.minutes(token_minutes or pool.access_token_validity_minutes),
            id_token_validity=Duration.minutes(pool.id_token_validity_minutes),
            refresh_token_validity=Duration.days(pool.refresh_token_validity_days),
            # Access tokens carry aws.cognito.signin.user.admin (no sign-in flow without OAuth
            # can drop it), so a user could call UpdateUserAttributes with their own token and
            # move their email around the API's uniqueness claims. An empty list of write
            # attributes is no help: Cognito (and CloudFormation, and CDK's empty
            # ClientAttributes) read it as "every standard attribute". So the client may write
            # one custom attribute nothing reads, and no standard one; the API writes attributes
            # with admin calls, which write attributes do not restrict.
            write_attributes=cognito.ClientAttributes().with_custom_attributes(
                pool.client_writable_attribute
            ),
        )
