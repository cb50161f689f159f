"""The bottom floor every app stands on: the one error type, the API's shared fields, pagination and
path converters, and the money precision. It imports no app (``config`` -> ``risk`` -> ``trading`` ->
``accounts`` -> ``core``)."""
