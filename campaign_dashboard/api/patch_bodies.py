"""A PATCH body made from its POST body: the same fields, each optional and unset by default.

The fields are declared once, on the create body, so a field added there cannot be forgotten in
the update (the routes change only the fields a request sends: `model_dump(exclude_unset=True)`).
"""

from typing import Annotated, Any

from pydantic import BaseModel, create_model
from pydantic.fields import FieldInfo


def patch_body(create: type[BaseModel]) -> type[BaseModel]:
    """`XCreate`'s fields as `XUpdate`: every one `T | None = None`, its constraints kept."""
    fields: dict[str, Any] = {name: (_optional(info), None) for name, info in create.model_fields.items()}
    return create_model(
        create.__name__.replace("Create", "Update"),
        __config__=create.model_config,
        __module__=create.__module__,
        **fields,
    )


def sent_fields(body: BaseModel) -> dict[str, Any]:
    """The fields the request sent (an explicit null included). Typed as `BaseModel` because a route
    annotates `body` with a model `patch_body` made, which type checkers cannot follow."""
    return body.model_dump(exclude_unset=True)


def _optional(info: FieldInfo) -> Any:
    annotation: Any = info.annotation
    if info.metadata:  # constraints on the field itself (`x: Id`), not inside its type
        annotation = Annotated[(annotation, *info.metadata)]
    return annotation | None
