"""Every write of the classrooms app: classes and memberships (``classes``), members' trading
(``trading``) and scenario runs (``scenarios``)."""
