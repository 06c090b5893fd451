"""Block jobs (virDomainBlockPull/Rebase/Commit, virDomainGetBlockJobInfo, BlockJobAbort, BlockJobSetSpeed)."""

from __future__ import annotations

from protocol import Proc
from protocol.remote import blockjob as w

from ..model.blockjobs import BlockJobs
from ..model.blockjobs.commit import start_commit
from ..model.blockjobs.pull import start_pull
from ._client import Client
from ._registry import procedure
from .domain import resolve


def jobs(client: Client) -> BlockJobs:
    return client.opened.hypervisor.blockjobs


@procedure(Proc.DOMAIN_GET_BLOCK_JOB_INFO)
def get_block_job_info(client: Client, args: w.DomainGetBlockJobInfoArgs) -> w.DomainGetBlockJobInfoRet:
    info = jobs(client).info(client.opened, resolve(client, args.dom), args.path, args.flags)
    if info is None:
        return w.DomainGetBlockJobInfoRet(found=0, type=0, bandwidth=0, cur=0, end=0)
    job_type, bandwidth, cur, end = info
    return w.DomainGetBlockJobInfoRet(found=1, type=job_type, bandwidth=bandwidth, cur=cur, end=end)


@procedure(Proc.DOMAIN_BLOCK_JOB_SET_SPEED)
def block_job_set_speed(client: Client, args: w.DomainBlockJobSetSpeedArgs) -> None:
    jobs(client).set_speed(client.opened, resolve(client, args.dom), args.path, args.bandwidth, args.flags)


@procedure(Proc.DOMAIN_BLOCK_JOB_ABORT)
def block_job_abort(client: Client, args: w.DomainBlockJobAbortArgs) -> None:
    jobs(client).abort(client.opened, resolve(client, args.dom), args.path, args.flags)


@procedure(Proc.DOMAIN_BLOCK_PULL)
def block_pull(client: Client, args: w.DomainBlockPullArgs) -> None:
    start_pull(jobs(client), client.opened, resolve(client, args.dom), args.path, args.bandwidth, args.flags)


@procedure(Proc.DOMAIN_BLOCK_COMMIT)
def block_commit(client: Client, args: w.DomainBlockCommitArgs) -> None:
    start_commit(jobs(client), client.opened, resolve(client, args.dom), args.disk, args.base, args.top,
                 args.bandwidth, args.flags)
