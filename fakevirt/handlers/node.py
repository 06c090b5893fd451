"""Host CPU and memory procedures (virNodeGetCPUMap, CPU models, compare/baseline, pages, KSM, SEV, suspend)."""

from __future__ import annotations

from protocol import Proc, TypedParam
from protocol.remote import node as w
from protocol.remote.limits import CONNECT_CPU_MODELS_MAX, NODE_MAX_CELLS, NODE_MEMORY_PARAMETERS_MAX

from ..errors import VirtError
from ..errors import node as errors
from ..model import hostcpu
from ..model.typedparams import Param
from ..xml.cpu import format_cpu_xml, parse_cpu_xml
from ..xml.domcapabilities import host_model, hypervisor_models, resolve_domain_capabilities
from ._client import Client
from ._registry import procedure
from .domain import resolve


def _params(params: tuple[TypedParam, ...]) -> list[Param]:
    return [(p.field, p.value[0], p.value[1]) for p in params]


def _typed(params: list[Param]) -> tuple[TypedParam, ...]:
    return tuple(TypedParam(field=name, value=(kind, value)) for name, kind, value in params)


@procedure(Proc.NODE_GET_CPU_MAP)
def node_get_cpu_map(client: Client, args: w.NodeGetCpuMapArgs) -> w.NodeGetCpuMapRet:
    """virNodeGetCPUMap: the map only if asked for; the online count is always filled in."""
    count, cpumap, online = hostcpu.cpu_map(client.opened.host, bool(args.need_map), args.flags)
    return w.NodeGetCpuMapRet(cpumap=cpumap, online=online, ret=count)


@procedure(Proc.CONNECT_GET_CPU_MODEL_NAMES)
def connect_get_cpu_model_names(client: Client, args: w.ConnectGetCpuModelNamesArgs
                                ) -> w.ConnectGetCpuModelNamesRet:
    """virConnectGetCPUModelNames: need_results 0 asks only for the count."""
    models = hostcpu.model_names(args.arch, args.flags)
    if len(models) > CONNECT_CPU_MODELS_MAX:
        raise VirtError.rpc(f"Too many CPU models '{len(models)}' for limit '{CONNECT_CPU_MODELS_MAX}'")
    return w.ConnectGetCpuModelNamesRet(models=models if args.need_results else (), ret=len(models))


@procedure(Proc.CONNECT_COMPARE_CPU)
def connect_compare_cpu(client: Client, args: w.ConnectCompareCpuArgs) -> w.ConnectCompareCpuRet:
    """virConnectCompareCPU: against the capabilities' host CPU."""
    hostcpu.check_compare_flags(args.flags)
    cpu = parse_cpu_xml(args.xml)
    return w.ConnectCompareCpuRet(result=hostcpu.compare(hostcpu.host_cpu(client.opened.host), cpu, args.flags))


@procedure(Proc.CONNECT_COMPARE_HYPERVISOR_CPU)
def connect_compare_hypervisor_cpu(client: Client, args: w.ConnectCompareHypervisorCpuArgs
                                   ) -> w.ConnectCompareCpuRet:
    """virConnectCompareHypervisorCPU: against the domain capabilities' host-model CPU."""
    fn = "qemuConnectCompareHypervisorCPU"
    host = client.opened.host
    hostcpu.check_compare_flags(args.flags, fn)
    target = resolve_domain_capabilities(host, args.emulator, args.arch, args.machine, args.virttype)
    against = hostcpu.hypervisor_cpu(host_model(host, target))
    return w.ConnectCompareCpuRet(result=hostcpu.compare(against, parse_cpu_xml(args.xmlCPU), args.flags, fn))


@procedure(Proc.CONNECT_BASELINE_CPU)
def connect_baseline_cpu(client: Client, args: w.ConnectBaselineCpuArgs) -> w.ConnectBaselineCpuRet:
    """virConnectBaselineCPU: the CPUs are host CPUs (with <arch>, without mode)."""
    if not args.xmlCPUs:  # the public API's check comes before the driver's flag check
        raise errors.null_arg("xmlCPUs", "virConnectBaselineCPU")
    hostcpu.check_baseline_flags(args.flags)  # before the CPUs are parsed, as qemuConnectBaselineCPU
    cpus = [parse_cpu_xml(x, force_host=True) for x in args.xmlCPUs]
    return w.ConnectBaselineCpuRet(cpu=format_cpu_xml(hostcpu.baseline(cpus, args.flags)))


@procedure(Proc.CONNECT_BASELINE_HYPERVISOR_CPU)
def connect_baseline_hypervisor_cpu(client: Client, args: w.ConnectBaselineHypervisorCpuArgs
                                    ) -> w.ConnectBaselineCpuRet:
    """virConnectBaselineHypervisorCPU: host or guest CPUs, within the domain capabilities' host-model CPU."""
    fn = "qemuConnectBaselineHypervisorCPU"
    host = client.opened.host
    if not args.xmlCPUs:
        raise errors.null_arg("xmlCPUs", "virConnectBaselineHypervisorCPU")
    hostcpu.check_baseline_flags(args.flags, fn)
    cpus = [parse_cpu_xml(x) for x in args.xmlCPUs]
    target = resolve_domain_capabilities(host, args.emulator, args.arch, args.machine, args.virttype,
                                         check_support=False)
    cpu = hostcpu.hypervisor_baseline(cpus, hypervisor_models(host, target), target.virttype == "kvm", args.flags)
    return w.ConnectBaselineCpuRet(cpu=format_cpu_xml(cpu))


@procedure(Proc.NODE_GET_FREE_PAGES)
def node_get_free_pages(client: Client, args: w.NodeGetFreePagesArgs) -> w.NodeGetFreePagesRet:
    """virNodeGetFreePages: free pages per (cell, size), cell-major."""
    if len(args.pages) * args.cellCount > NODE_MAX_CELLS:
        raise errors.free_pages_too_many()
    counts = client.hv.node.free_pages(list(args.pages), args.startCell, args.cellCount, args.flags)
    return w.NodeGetFreePagesRet(counts=tuple(counts))


@procedure(Proc.NODE_ALLOC_PAGES)
def node_alloc_pages(client: Client, args: w.NodeAllocPagesArgs) -> w.NodeAllocPagesRet:
    """virNodeAllocPages: the number of (cell, size) pools handled."""
    done = client.hv.node.alloc_pages(list(args.pageSizes), list(args.pageCounts), args.startCell,
                                      args.cellCount, args.flags)
    return w.NodeAllocPagesRet(ret=done)


@procedure(Proc.NODE_GET_MEMORY_PARAMETERS)
def node_get_memory_parameters(client: Client, args: w.NodeGetMemoryParametersArgs
                               ) -> w.NodeGetMemoryParametersRet:
    """virNodeGetMemoryParameters: the KSM tunables."""
    if args.nparams > NODE_MEMORY_PARAMETERS_MAX:
        raise VirtError.daemon("nparams too large")
    params, count = client.hv.node.memory_parameters(args.nparams, args.flags)
    return w.NodeGetMemoryParametersRet(params=_typed(params), nparams=count)


@procedure(Proc.NODE_SET_MEMORY_PARAMETERS)
def node_set_memory_parameters(client: Client, args: w.NodeSetMemoryParametersArgs) -> None:
    """virNodeSetMemoryParameters."""
    client.hv.node.set_memory_parameters(_params(args.params), args.flags)


@procedure(Proc.NODE_GET_SEV_INFO)
def node_get_sev_info(client: Client, args: w.NodeGetSevInfoArgs) -> w.NodeGetSevInfoRet:
    """virNodeGetSEVInfo."""
    client.hv.node.sev_info(args.flags)
    return w.NodeGetSevInfoRet(params=(), nparams=0)


@procedure(Proc.DOMAIN_GET_LAUNCH_SECURITY_INFO)
def domain_get_launch_security_info(client: Client, args: w.DomainGetLaunchSecurityInfoArgs
                                    ) -> w.DomainGetLaunchSecurityInfoRet:
    """virDomainGetLaunchSecurityInfo."""
    resolve(client, args.dom)
    return w.DomainGetLaunchSecurityInfoRet(params=_typed(client.opened.launch_security_info(args.flags)))


@procedure(Proc.DOMAIN_SET_LAUNCH_SECURITY_STATE)
def domain_set_launch_security_state(client: Client, args: w.DomainSetLaunchSecurityStateArgs) -> None:
    """virDomainSetLaunchSecurityState."""
    client.hv.node.check_launch_security_state(_params(args.params), args.flags)
    resolve(client, args.dom)
    client.hv.node.set_launch_security_state(_params(args.params), args.flags)


@procedure(Proc.NODE_SUSPEND_FOR_DURATION)
def node_suspend_for_duration(client: Client, args: w.NodeSuspendForDurationArgs) -> None:
    """virNodeSuspendForDuration."""
    client.hv.node.suspend(args.target, args.duration, args.flags)
