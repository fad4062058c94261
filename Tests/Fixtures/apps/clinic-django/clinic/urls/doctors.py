from django.urls import path

from clinic import views

urlpatterns = [
    path("", views.doctors),
    path("/<uuid:pk>", views.doctor_detail),
    path("/<uuid:pk>/appointment", views.doctor_appointments),
]
