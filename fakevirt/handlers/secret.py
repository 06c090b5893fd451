"""Secrets (virSecret*, virConnect*Secrets): thin wrappers over model.secrets."""

from __future__ import annotations

import uuid

from protocol import Proc
from protocol.remote import secret as w
from protocol.remote.limits import SECRET_LIST_MAX

from ..errors import secret as err
from ..model.flags.secret import SecretDefineFlags
from ..model.secrets import Secret, Secrets
from ..xml.secret import format_secret_xml, parse_secret_xml
from ._client import Client
from ._lists import legacy_list, list_all
from ._registry import procedure


def secrets(client: Client) -> Secrets:
    """The secret driver behind the client's connection (dispatch checked it is open)."""
    return client.hv.secrets


def secret_handle(secret: Secret) -> w.NonnullSecret:
    """virGetSecret: a secret without usage travels with an empty usage ID."""
    return w.NonnullSecret(uuid=secret.uuid.bytes, usageType=secret.usage_type, usageID=secret.usage_id or "")


def resolve_secret(client: Client, h: w.NonnullSecret) -> Secret:
    """secretObjFromSecret: by UUID only."""
    return secrets(client).by_uuid(uuid.UUID(bytes=h.uuid))


@procedure(Proc.SECRET_LOOKUP_BY_UUID)
def secret_lookup_by_uuid(client: Client, args: w.SecretLookupByUuidArgs) -> w.SecretLookupByUuidRet:
    """virSecretLookupByUUID."""
    return w.SecretLookupByUuidRet(secret=secret_handle(secrets(client).by_uuid(uuid.UUID(bytes=args.uuid))))


@procedure(Proc.SECRET_LOOKUP_BY_USAGE)
def secret_lookup_by_usage(client: Client, args: w.SecretLookupByUsageArgs) -> w.SecretLookupByUsageRet:
    """virSecretLookupByUsage."""
    return w.SecretLookupByUsageRet(secret=secret_handle(secrets(client).by_usage(args.usageType, args.usageID)))


@procedure(Proc.SECRET_DEFINE_XML)
def secret_define_xml(client: Client, args: w.SecretDefineXmlArgs) -> w.SecretDefineXmlRet:
    """virSecretDefineXML: flags are checked before the document is read."""
    err.check_flags("secretDefineXML", args.flags, SecretDefineFlags.VALIDATE)
    return w.SecretDefineXmlRet(secret=secret_handle(secrets(client).define(parse_secret_xml(args.xml))))


@procedure(Proc.SECRET_GET_XML_DESC)
def secret_get_xml_desc(client: Client, args: w.SecretGetXmlDescArgs) -> w.SecretGetXmlDescRet:
    """virSecretGetXMLDesc."""
    err.check_flags("secretGetXMLDesc", args.flags, 0)
    return w.SecretGetXmlDescRet(xml=format_secret_xml(resolve_secret(client, args.secret).config))


@procedure(Proc.SECRET_SET_VALUE)
def secret_set_value(client: Client, args: w.SecretSetValueArgs) -> None:
    """virSecretSetValue."""
    secrets(client).set_value(resolve_secret(client, args.secret), args.value, args.flags)


@procedure(Proc.SECRET_GET_VALUE)
def secret_get_value(client: Client, args: w.SecretGetValueArgs) -> w.SecretGetValueRet:
    """virSecretGetValue (never on a read-only connection: dispatch refuses it)."""
    return w.SecretGetValueRet(value=secrets(client).get_value(resolve_secret(client, args.secret), args.flags))


@procedure(Proc.SECRET_UNDEFINE)
def secret_undefine(client: Client, args: w.SecretUndefineArgs) -> None:
    """virSecretUndefine."""
    secrets(client).undefine(resolve_secret(client, args.secret))


@procedure(Proc.CONNECT_LIST_ALL_SECRETS)
def connect_list_all_secrets(client: Client, args: w.ConnectListAllSecretsArgs) -> w.ConnectListAllSecretsRet:
    """virConnectListAllSecrets: need_results 0 asks only for the count."""
    found = secrets(client).list_all(args.flags)
    handles = list_all("secret", found, SECRET_LIST_MAX, args.need_results, lambda f: tuple(map(secret_handle, f)))
    return w.ConnectListAllSecretsRet(secrets=handles, ret=len(found))


@procedure(Proc.CONNECT_NUM_OF_SECRETS)
def connect_num_of_secrets(client: Client, args: None) -> w.ConnectNumOfSecretsRet:
    """virConnectNumOfSecrets."""
    return w.ConnectNumOfSecretsRet(num=len(secrets(client)))


@procedure(Proc.CONNECT_LIST_SECRETS)
def connect_list_secrets(client: Client, args: w.ConnectListSecretsArgs) -> w.ConnectListSecretsRet:
    """virConnectListSecrets: UUID strings."""
    uuids = legacy_list(secrets(client).uuids, args.maxuuids, SECRET_LIST_MAX, "SECRET_LIST_MAX", "maxuuids")
    return w.ConnectListSecretsRet(uuids=uuids)


from . import secret_events  # noqa: E402, F401
