"""The nwfilter driver: network filters, filter bindings, and the bindings of running domains."""

from __future__ import annotations

from .definition import BindingDef, FilterRef, NWFilter, NWFilterDef, Rule, RuleValue
from .resource import NWFilterResource
from .state import Binding, NWFilters

__all__ = ["Binding", "BindingDef", "FilterRef", "NWFilter", "NWFilterDef", "NWFilterResource", "NWFilters",
           "Rule", "RuleValue"]
