"""Code assets packaged with Lambda's bytecode by CDK local bundling: no Docker, no pyc in the tree.

CDK bundles an asset again whenever its hash (the source tree's fingerprint plus these bundling
options) has no bundle in cdk.out, so the bytecode never goes stale, and skips bundling for the
stacks `aws:cdk:bundling-stacks` leaves out (`cdk list`, `-e`, the tests).
"""

from __future__ import annotations

from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra import bytecode
from infra.paths import SOURCE_EXCLUDES


@jsii.implements(ILocalBundling)
class CompiledCopy:
    """The source tree without any bytecode, plus bytecode compiled for Lambda (none without an
    interpreter: `make synth` on a machine without Python 3.13 ships sources only)."""

    def __init__(self, source: Path, interpreter: Path | None) -> None:
        self.source = source
        self.interpreter = interpreter

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: object) -> bool:
        """Always True or an InfraError: False would send CDK to Docker."""
        bytecode.compile_copy(self.source, Path(output_dir), self.interpreter)
        return True


def compiled_code(source: Path, interpreter: Path | None) -> lambda_.AssetCode:
    """`source` as a Lambda code or layer asset, with CPython 3.13 bytecode next to every module
    when `interpreter` is given, else with sources only."""
    return lambda_.Code.from_asset(
        source.as_posix(),
        # Only for the source fingerprint: bytecode lying in the tree must not change the hash.
        exclude=list(SOURCE_EXCLUDES),
        bundling=BundlingOptions(
            # Never pulled (`try_bundle` always bundles or raises), but hashed with the asset:
            # the recipe here rebuilds every asset when it changes, and a sources-only asset
            # never shares a hash (so an upload or a cached bundle) with a compiled one.
            image=DockerImage.from_registry(f"conduit-local-bundling:{bytecode.recipe(interpreter)}"),
            local=CompiledCopy(source, interpreter),
        ),
    )
