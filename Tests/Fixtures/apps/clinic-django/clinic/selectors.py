"""Queries."""
from clinic.models import Appointment


def appointments(doctor_id=None, status=None) -> list:
    query = Appointment.objects.all()
    if doctor_id:
        query = query.filter(doctor_id=doctor_id).order_by("start")
    if status:
        query = query.filter(status=status)
    return list(query)


def appointments_of_patient(patient_id) -> list:
    return list(Appointment.objects.filter(patient_id=patient_id).order_by("starts_at"))


def appointments_of_doctor(doctor_id) -> list:
    return list(Appointment.objects.filter(doctor_id=doctor_id).order_by("starts_at"))
