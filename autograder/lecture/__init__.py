"""The lecture view (``nncourse present``): a chapter's prose and live widgets on a projector, without code."""
