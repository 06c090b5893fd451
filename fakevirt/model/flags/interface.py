"""The host interface flags (libvirt-interface.h), with libvirt's member names."""

from __future__ import annotations

from enum import IntFlag


class ConnectListAllInterfacesFlags(IntFlag):
    INACTIVE = 1 << 0
    ACTIVE = 1 << 1


class InterfaceXMLFlags(IntFlag):
    INACTIVE = 1 << 0


class InterfaceDefineFlags(IntFlag):
    DEFINE_VALIDATE = 1 << 0
