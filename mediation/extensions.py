"""The Flask extension objects, created unbound and initialised by the app factory."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from flask import current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# Named constraints make migrations (and SQLite batch mode) deterministic.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# app.extensions key of the engine of read-only requests on PostgreSQL (`core.db.read_only`),
# whose connections are always in autocommit
READ_ONLY_ENGINE = "mediation_read_only_engine"
# app.extensions key of the engine of the read replica (DATABASE_REPLICA_URL, `core.db.init_replica`)
REPLICA_ENGINE = "mediation_replica_engine"


def _writes(clause) -> bool:
    """Whether a statement may write or lock: anything but a plain SELECT (raw SQL too)."""
    from sqlalchemy.sql import Select

    return not isinstance(clause, Select) or clause._for_update_arg is not None


class Session(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session, except that

    - a GET request's reads go to the read replica when there is one, unless they lock rows,
      belong to a `transaction()` or a flush (see `core.db.init_replica`);
    - a read-only request's statements go to the read-only engine when there is one (see
      `core.db.init_read_only_requests`)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if (
            bind is None
            and self.info.get("replica")
            and not self.info.get("in_transaction")
            and not self._flushing
            and (clause is None or not _writes(clause))
        ):
            engine = current_app.extensions.get(REPLICA_ENGINE)
            if engine is not None:
                return engine
        if bind is None and self.info.get("read_only"):
            engine = current_app.extensions.get(READ_ONLY_ENGINE)
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# alert e-mail; configured from the MAIL_* settings by `warnings.delivery.init_mail`
mail = Mail()

# The models' base class. mypy cannot take `db.Model` (an attribute of an instance) as a base
# class, so it is told what the class is; at run time it is `db.Model` itself.
if TYPE_CHECKING:

    class Model(Base):
        __abstract__ = True
        __table__: ClassVar[Table]  # (every model maps a table)

else:
    Model = db.Model
