from django.urls import path

from clinic import views

urlpatterns = [
    path("", views.appointments),
    path("/<uuid:pk>", views.appointment_detail),
    path("/<uuid:pk>/cancel", views.cancel_appointment),
    path("/<uuid:pk>/complete", views.complete_appointment),
]
