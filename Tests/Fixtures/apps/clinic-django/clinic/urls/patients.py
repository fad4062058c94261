from django.urls import path

from clinic import views

urlpatterns = [
    path("", views.patients),
    path("/<uuid:pk>", views.patient_detail),
    path("/<uuid:pk>/appointments", views.patient_appointments),
]
