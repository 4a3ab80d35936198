"""The directory in and out as an HSDS 3.0 tabular data package: CSV files and a
``datapackage.json``, in a folder or a zip (``services_export`` / ``services_import``).

See the README ("The service directory") for how categories, 24/7 and public holidays are written.
"""
