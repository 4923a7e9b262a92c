"""Users, roles, login and the scope rule that says what each user may see."""
