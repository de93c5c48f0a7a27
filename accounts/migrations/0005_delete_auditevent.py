"""AuditEvent moved to tenants; the table is kept."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_access_request'),
        ('tenants', '0004_auditevent'),
    ]

    # The table stays: tenants.AuditEvent now owns it (db_table = accounts_auditevent).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AuditEvent')],
        ),
    ]
