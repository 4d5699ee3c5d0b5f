"""PyTorch modules: TorchScript (``torch.jit.save``), or a state dict plus the importable
class (or zero-argument factory) that builds the module, ``model_class="pkg.mod:Net"``.

Models load on the CPU and predict under ``torch.no_grad()``; floating inputs take the
dtype of the module's parameters, and tensors come back as NumPy arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runwright.errors import InvalidArgumentError
from runwright.models.flavors.base import (
    Flavor,
    Predictor,
    SaveOptions,
    import_object,
    loaded_class,
    reference_of,
)

__all__ = ["PyTorchFlavor"]

SCRIPT_FILE = "model.pt"
STATE_FILE = "state_dict.pt"


class PyTorchFlavor(Flavor):
    name = "pytorch"

    def detect(self, model: Any) -> bool:
        module = loaded_class("torch.nn", "Module")
        return module is not None and isinstance(model, module)

    def save(self, model: Any, folder: Path, options: SaveOptions) -> dict[str, Any]:
        import torch

        version = {"torch_version": torch.__version__}
        if isinstance(model, torch.jit.ScriptModule):
            torch.jit.save(model, str(folder / SCRIPT_FILE))
            return {"kind": "torchscript", "file": SCRIPT_FILE, **version}
        model_class = options.model_class or reference_of(type(model))
        if model_class is None:
            raise InvalidArgumentError(
                f"cannot save the PyTorch module {type(model).__qualname__}: its class is "
                "defined in a script or a function. Move it to an importable module and pass "
                "model_class='package.module:Name', or save a TorchScript module "
                "(torch.jit.script(model))"
            )
        import_object(model_class)
        torch.save(model.state_dict(), folder / STATE_FILE)
        return {"kind": "state_dict", "file": STATE_FILE, "model_class": model_class, **version}

    def load(self, folder: Path, options: Mapping[str, Any]) -> Predictor:
        import torch

        kind = options.get("kind")
        if kind == "torchscript":
            path = str(folder / str(options.get("file", SCRIPT_FILE)))
            module = torch.jit.load(path, "cpu")  # type: ignore[no-untyped-call]
        elif kind == "state_dict":
            factory = import_object(str(options["model_class"]))
            module = factory()
            state = torch.load(
                folder / str(options.get("file", STATE_FILE)), map_location="cpu", weights_only=True
            )
            module.load_state_dict(state)
        else:
            raise InvalidArgumentError(f"unknown PyTorch model kind {kind!r} in the manifest")
        module.eval()
        return Predictor(model=module, predict=_module_predict(module), input_format="numpy")

    def modules(self, model: Any) -> set[str]:
        extra = set()
        if not type(model).__module__.startswith("torch"):
            extra.add(type(model).__module__)
        return {"torch", "numpy", "pandas"} | extra


def _module_predict(module: Any) -> Any:
    import torch

    floating = next(
        (p.dtype for p in module.parameters() if p.dtype.is_floating_point), torch.float32
    )

    def tensor(array: Any) -> Any:
        value = torch.as_tensor(array)
        return value.to(floating) if value.dtype.is_floating_point else value

    def predict(data: Any, params: Mapping[str, Any] | None) -> Any:
        with torch.no_grad():
            if isinstance(data, Mapping):
                out = module(**{name: tensor(array) for name, array in data.items()})
            else:
                out = module(tensor(data))
        return _to_numpy(out)

    return predict


def _to_numpy(value: Any) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, Mapping):
        return {k: _to_numpy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_numpy(v) for v in value]
    return value
