"""Channel mappings: warehouses, carriers and SKUs (rows and audited changes), CSV import/export, and the
resolvers the sync engine uses."""
