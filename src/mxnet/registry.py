"""``mx.registry``: registries of classes made by name (optimizers, initializers, metrics):
``get_register_func``, ``get_alias_func`` and ``get_create_func`` build a base class's
``register`` / ``alias`` / ``create`` functions, as in MXNet."""
import json
import warnings

from .base import string_types

__all__ = ["get_registry", "get_register_func", "get_alias_func", "get_create_func"]

_REGISTRY = {}


def get_registry(base_class):
    """A copy of the {name: class} registry of ``base_class``."""
    return dict(_REGISTRY.setdefault(base_class, {}))


def get_register_func(base_class, nickname):
    """A ``register(klass, name=None)`` function adding subclasses of ``base_class`` to its
    registry under ``name`` (default: the class name), lower-cased."""
    registry = _REGISTRY.setdefault(base_class, {})

    def register(klass, name=None):
        assert issubclass(klass, base_class), "Can only register subclass of %s" % base_class.__name__
        name = (klass.__name__ if name is None else name).lower()
        old = registry.get(name)
        if old is not None:
            # (MXNet's text, its missing space included: "...with name foo isoverriding...")
            warnings.warn("\033[91mNew %s %s.%s registered with name %s isoverriding existing %s %s.%s\033[0m" % (
                nickname, klass.__module__, klass.__name__, name, nickname, old.__module__, old.__name__),
                UserWarning, stacklevel=2)
        registry[name] = klass
        return klass
    register.__doc__ = "Register %s to the %s factory" % (nickname, nickname)
    return register


def get_alias_func(base_class, nickname):
    """An ``alias(*aliases)`` decorator registering a class under more names."""
    register = get_register_func(base_class, nickname)

    def alias(*aliases):
        def reg(klass):
            for name in aliases:
                register(klass, name)
            return klass
        return reg
    alias.__doc__ = "alias registrator"
    return alias


def get_create_func(base_class, nickname):
    """A ``create(name_or_instance, *args, **kwargs)`` function: an instance of ``base_class`` is
    returned as is; a registered name (any case), a JSON ``'["name", {kwargs}]'`` or
    ``'{"<nickname>": name, ...}'`` string, or a dict of keyword arguments makes a new instance."""
    registry = _REGISTRY.setdefault(base_class, {})

    def create(*args, **kwargs):
        if args:
            name, args = args[0], args[1:]
        else:
            name = kwargs.pop(nickname)
        if isinstance(name, base_class):
            assert not args and not kwargs, \
                "%s is already an instance. Additional arguments are invalid" % nickname
            return name
        if isinstance(name, dict):
            return create(**name)
        assert isinstance(name, string_types), "%s must be of string type" % nickname
        if name.startswith("["):
            assert not args and not kwargs
            name, kwargs = json.loads(name)
            return create(name, **kwargs)
        if name.startswith("{"):
            assert not args and not kwargs
            return create(**json.loads(name))
        name = name.lower()
        assert name in registry, "%s is not registered. Please register with %s.register first" % (
            str(name), nickname)
        return registry[name](*args, **kwargs)
    create.__doc__ = ("Create a %s instance from config: an instance (returned as is), a registered name "
                      "with constructor arguments, or a JSON string." % nickname)
    return create
