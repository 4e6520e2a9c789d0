"""Data intake; imports no Streamlit: the bundled earthquakes, uploads and file types, sample datasets,
the live USGS and Northern California catalogs."""
