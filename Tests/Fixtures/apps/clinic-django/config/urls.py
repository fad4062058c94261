"""Root routes: each resource's routes live in clinic/urls/."""
from django.urls import include, path

from clinic import views

urlpatterns = [
    path("health", views.health),
    path("stats", views.stats),
    path("patients", include("clinic.urls.patients")),
    path("doctors", include("clinic.urls.doctors")),
    path("appointments", include("clinic.urls.appointments")),
]
