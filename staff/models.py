from django.conf import settings
from django.db import models


class Staff(models.Model):
    """What a staff account needs beyond Django's user: roles are the user's groups."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    department = models.CharField(
        max_length=100,
        blank=True,
        help_text="for role department: the department (課) whose queue they work, as the catalogue names it",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "staff"

    def __str__(self):
        return self.user.get_username()
