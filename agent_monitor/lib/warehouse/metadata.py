"""The one SQLAlchemy MetaData every warehouse table is declared on."""

from sqlalchemy import MetaData

metadata = MetaData()
