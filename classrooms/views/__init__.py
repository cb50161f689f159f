"""The class pages: the list (create, join), a class's page (the instructor's controls and board, or a
member's accounts, rank and order ticket), the live board and its CSV."""
