"""Shipments: recording one from fulfilment with the over-shipment guard (recording.py), what the order page
and the API show of them (queries.py), and the export state a shipment moves through on its way to the store
(export_state.py)."""
