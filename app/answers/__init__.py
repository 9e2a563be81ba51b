"""Official answers: successful proposals assigned to an office, answered by a due date."""
