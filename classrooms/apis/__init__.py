"""/api/v1/classes: classes and membership (``classes``), scenarios and the board (``runs``), and a member's
trading in the class (``trading``)."""
