"""virConnectGetDomainCapabilities: argument checks and the document libvirt 9.0 + QEMU 7.2 give on x86."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from fnmatch import fnmatchcase

from ..errors import VirtError
from ..errors import connect as err
from ..model.host import GuestArch, HostInfo
from ..model.hostcpu import hypervisor_cpu
from ..model.hostcpu.x86 import features_of, model_features
from ..model.hostdata import (
    ARCH_CAPABILITIES_FEATURES,
    CPU_MODELS,
    MODELS_WITHOUT_LM,
    TCG_HOST_MODEL_I686,
    TCG_HOST_MODEL_X86_64,
    TCG_USABLE,
    HostModel,
    Machine,
)
from .fmt import El, el, render

# virDomainVirtType names; "none" parses, and means "the emulator's best".
VIRT_TYPES = frozenset({"none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware",
                        "hyperv", "vbox", "phyp", "parallels", "bhyve", "vz", "hvf"})
# virArch names libvirt 9.0 parses (virArchFromString); "none" maps to VIR_ARCH_NONE, i.e. unknown.
ARCHES = frozenset({"alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "lm32", "m68k",
                    "microblaze", "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc",
                    "parisc", "parisc64", "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32",
                    "riscv64", "s390", "s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "x86_64",
                    "xtensa", "xtensaeb"})
# ARCH_IS_X86 / _PPC / _ARM / _S390: an emulator may serve another arch of its own family.
_ARCH_FAMILIES = (frozenset({"i686", "x86_64"}), frozenset({"ppc", "ppcle", "ppc64", "ppc64le", "ppcemb"}),
                  frozenset({"armv6l", "armv7l", "armv7b", "aarch64"}), frozenset({"s390", "s390x"}))

_DISK_BUSES = ("ide", "fdc", "scsi", "virtio", "usb", "sata")
_VIRTIO_MODELS = ("virtio", "virtio-transitional", "virtio-non-transitional")
_DEVICE_ENUMS: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("graphics", (("type", ("sdl", "vnc", "spice", "egl-headless", "dbus")),)),
    ("video", (("modelType", ("vga", "cirrus", "vmvga", "qxl", "virtio", "none", "bochs", "ramfb")),)),
)
_AFTER_HOSTDEV: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("rng", (("model", _VIRTIO_MODELS), ("backendModel", ("random", "egd", "builtin")))),
    ("filesystem", (("driverType", ("path", "handle", "virtiofs")),)),
    ("tpm", (("model", ("tpm-tis", "tpm-crb")), ("backendModel", ("passthrough", "emulator", "external")),
             ("backendVersion", ("1.2", "2.0")))),
    ("redirdev", (("bus", ("usb",)),)),
    ("channel", (("type", ("pty", "unix", "spicevmc")),)),
)
_SIMPLE_FEATURES = (("gic", "no"), ("vmcoreinfo", "yes"), ("genid", "yes"), ("backingStoreInput", "yes"),
                    ("backup", "yes"))
_HYPERV_FEATURES = ("spinlocks", "vendor_id")


@dataclass(frozen=True, slots=True)
class DomainCapsTarget:
    """What a domcapabilities request resolved to: binary (as given), its guest, arch, machine, virt type."""

    path: str
    guest: GuestArch
    arch: str
    machine: Machine
    virttype: str


def resolve_domain_capabilities(host: HostInfo, emulatorbin: str | None, arch: str | None,
                                machine: str | None, virttype: str | None, flags: int = 0,
                                check_support: bool = True) -> DomainCapsTarget:
    """Check the arguments in qemuConnectGetDomainCapabilities' order and resolve the defaults.

    ``check_support`` False stops after virQEMUCapsCacheLookupDefault's checks (baseline hypervisor CPU):
    the binary's arch and virt type support are then not checked.

    Raises:
        VirtError: the error the QEMU driver reports for the first bad argument.
    """
    if flags:
        raise VirtError.unsupported_flags("qemuConnectGetDomainCapabilities", flags)
    if virttype is not None and virttype not in VIRT_TYPES:
        raise err.unknown_virttype(virttype)
    if arch is not None and arch not in ARCHES:
        raise err.unknown_architecture(arch)
    want_arch = arch if arch is not None else host.arch
    if emulatorbin is None:
        default = host.guest_for_arch(want_arch)
        if default is None:
            raise err.no_emulator_for_arch(arch)
        emulatorbin = default.emulator
    guest = _lookup_binary(host, emulatorbin)
    if guest.arch != want_arch and not any({guest.arch, want_arch} <= f for f in _ARCH_FAMILIES):
        raise err.emulator_arch_mismatch(guest.arch, want_arch)
    virt = virttype if virttype not in (None, "none") else ("kvm" if "kvm" in guest.domain_types else "qemu")
    if machine is not None:
        name = guest.canonical_machine(machine)
        found = guest.machine(name)
        if found is None:
            raise err.machine_unsupported(name, emulatorbin)
    else:
        found = guest.machine(host.default_machine(guest))
        assert found is not None, "the host's default machine alias must name one of its machines"
    if not check_support:
        return DomainCapsTarget(emulatorbin, guest, want_arch, found, virt)
    if want_arch not in host.emulator_arches(guest):
        raise err.emulator_lacks_arch(emulatorbin, want_arch)
    if virt not in guest.domain_types:
        raise err.emulator_lacks_virt_type(emulatorbin, virt)
    return DomainCapsTarget(emulatorbin, guest, want_arch, found, virt)


def _lookup_binary(host: HostInfo, path: str) -> GuestArch:
    """virQEMUCapsCacheLookup: the binary must exist; '//usr/bin/x' names the same file as '/usr/bin/x'."""
    guest = None
    if path.startswith("/"):
        guest = host.guest_for_emulator(posixpath.normpath("/" + path.lstrip("/")))
    if guest is None:
        raise err.cannot_check_binary(path)
    return guest


def domain_capabilities_xml(host: HostInfo, emulatorbin: str | None, arch: str | None, machine: str | None,
                            virttype: str | None, flags: int) -> str:
    """The domain capabilities XML for one emulator/arch/machine/virt-type combination.

    Args:
        host: the emulated host.
        emulatorbin, arch, machine, virttype: the API's optional arguments (None = default).
        flags: must be 0.

    Returns:
        The document as virDomainCapsFormat writes it, ending with a newline.

    Raises:
        VirtError: for bad arguments, exactly as the QEMU driver refuses them.
    """
    t = resolve_domain_capabilities(host, emulatorbin, arch, machine, virttype, flags)
    max_cpus = t.machine.max_cpus
    if t.virttype == "kvm":
        max_cpus = min(max_cpus, host.kvm_max_vcpus)
    root = el("domainCapabilities")
    root.add("path", t.path)
    root.add("domain", t.virttype)
    root.add("machine", t.machine.name)
    root.add("arch", t.arch)
    root.add("vcpu", max=max_cpus)
    root.add("iothreads", supported="yes")
    root.children.append(_os(host, t))
    root.children.append(_cpu(host, t))
    root.children.append(_supported("memoryBacking", (("sourceType", ("file", "anonymous", "memfd")),)))
    root.children.append(_devices(host, t))
    root.children.append(_features())
    return render(root)


def _enum(name: str, values: tuple[str, ...] | list[str]) -> El:
    e = el("enum", name=name)
    for v in values:
        e.add("value", v)
    return e


def _supported(tag: str, enums: tuple[tuple[str, tuple[str, ...]], ...]) -> El:
    return el(tag, supported="yes").extend(_enum(name, values) for name, values in enums)


def _os(host: HostInfo, t: DomainCapsTarget) -> El:
    """Firmware from the descriptors matching arch and machine, else the built-in loader list."""
    images = [fw for fw in host.firmware
              if fw.arch == t.arch and any(fnmatchcase(t.machine.name, p) for p in fw.machines)]
    os_el = el("os", supported="yes")
    os_el.children.append(_enum("firmware", ["efi"] if images else []))
    loader = os_el.add("loader", supported="yes")
    for path in [fw.path for fw in images] or host.fallback_loaders:
        loader.add("value", path)
    loader.children.append(_enum("type", ("rom", "pflash")))
    loader.children.append(_enum("readonly", ("yes", "no")))
    loader.children.append(_enum("secure", (["yes"] if any(fw.secure for fw in images) else []) + ["no"]))
    return os_el


def host_model(host: HostInfo, t: DomainCapsTarget) -> HostModel:
    """The host-model CPU of one emulator and virt type (KVM: the host's; TCG: QEMU's emulated one)."""
    i386_binary = t.guest.arch == "i686"
    if t.virttype != "kvm":
        return TCG_HOST_MODEL_I686 if i386_binary else TCG_HOST_MODEL_X86_64
    hm = host.cpu.kvm_host_model
    if i386_binary:
        hm = HostModel(hm.model, hm.vendor, tuple(f for f in hm.require if f not in ARCH_CAPABILITIES_FEATURES),
                       (*hm.disable, "lm"))
    return hm


def hypervisor_models(host: HostInfo, t: DomainCapsTarget) -> dict[str, frozenset[str]]:
    """The custom-mode CPU models, each with its blockers: what the host-model CPU lacks of an unusable one."""
    has = features_of(hypervisor_cpu(host_model(host, t)), None)
    usable = _usable_models(host, t)
    return {name: frozenset() if name in usable else frozenset(model_features(name) - has)
            for name, _vendor in CPU_MODELS}


def _usable_models(host: HostInfo, t: DomainCapsTarget) -> frozenset[str]:
    usable = host.cpu.kvm_usable if t.virttype == "kvm" else TCG_USABLE
    return usable & MODELS_WITHOUT_LM if t.guest.arch == "i686" else usable


def _cpu(host: HostInfo, t: DomainCapsTarget) -> El:
    i386_binary = t.guest.arch == "i686"
    kvm = t.virttype == "kvm"
    cpu = el("cpu")
    if kvm:
        passthrough = cpu.add("mode", name="host-passthrough", supported="yes")
        # qemu-system-i386 has no 'migratable' CPU property to turn on
        passthrough.children.append(_enum("hostPassthroughMigratable", ("off",) if i386_binary else ("on", "off")))
    else:
        cpu.add("mode", name="host-passthrough", supported="no")
    cpu.add("mode", name="maximum", supported="yes").children.append(_enum("maximumMigratable", ("on", "off")))
    hm = host_model(host, t)
    model = cpu.add("mode", name="host-model", supported="yes")
    model.add("model", hm.model, fallback="forbid")
    model.add("vendor", hm.vendor)
    for policy, names in (("require", hm.require), ("disable", hm.disable)):
        for name in names:
            model.add("feature", policy=policy, name=name)
    usable = _usable_models(host, t)
    custom = cpu.add("mode", name="custom", supported="yes")
    for name, vendor in CPU_MODELS:
        custom.add("model", name, usable="yes" if name in usable else "no", vendor=vendor or "unknown")
    return cpu


def _devices(host: HostInfo, t: DomainCapsTarget) -> El:
    devices = el("devices")
    # only i440fx machines have a built-in IDE controller
    buses = tuple(b for b in _DISK_BUSES if b != "ide" or t.machine.name.startswith("pc-i440fx-"))
    devices.children.append(_supported("disk", (("diskDevice", ("disk", "cdrom", "floppy", "lun")),
                                                ("bus", buses), ("model", _VIRTIO_MODELS))))
    devices.extend(_supported(tag, enums) for tag, enums in _DEVICE_ENUMS)
    devices.children.append(_supported("hostdev", (
        ("mode", ("subsystem",)), ("startupPolicy", ("default", "mandatory", "requisite", "optional")),
        ("subsysType", ("usb", "pci", "scsi")), ("capsType", ()),
        ("pciBackend", ("default", "vfio") if host.iommu else ()))))
    devices.extend(_supported(tag, enums) for tag, enums in _AFTER_HOSTDEV)
    return devices


def _features() -> El:
    features = el("features")
    for name, supported in _SIMPLE_FEATURES:
        features.add(name, supported=supported)
    features.add("sev", supported="no")
    features.add("sgx", supported="no")
    features.children.append(_supported("hyperv", (("features", _HYPERV_FEATURES),)))
    return features
