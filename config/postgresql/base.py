"""Django's PostgreSQL backend, told the limit of parameters bound on the server."""

from django.db.backends.postgresql import base, features, operations


class DatabaseFeatures(features.DatabaseFeatures):
    # The wire protocol counts a statement's parameters in 16 bits (config/env.py binds them
    # on the server).
    max_query_params = 2**16 - 1


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        """Rows per statement that keep bulk inserts and cascade deletes under the limit."""
        if fields:
            return self.connection.features.max_query_params // len(fields)
        return len(objs)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations
