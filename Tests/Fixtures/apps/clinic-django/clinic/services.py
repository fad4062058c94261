"""Business rules: records, scheduling, cancellation and completion."""
from clinic import selectors, validators
from clinic.models import Appointment, Doctor, Patient


class NotFound(Exception):
    pass


class Conflict(Exception):
    pass


def patient_to_dict(patient) -> dict:
    return {"id": str(patient.id), "name": patient.name, "email": patient.email,
            "date_of_birth": patient.birthdate.isoformat() if patient.birthdate else None}


def find_patient(pk) -> Patient:
    patient = Patient.objects.filter(pk=pk).first()
    if patient is None:
        raise NotFound(f"patient {pk} not found")
    return patient


def get_patient(pk) -> dict:
    return patient_to_dict(find_patient(pk))


def create_patient(payload: dict) -> dict:
    return Patient.objects.create(**validators.patient_fields(payload)).to_dict()


def update_patient(pk, payload: dict) -> dict:
    patient = find_patient(pk)
    for name, value in validators.patient_fields(payload).items():
        setattr(patient, name, value)
    patient.save()
    return patient.to_dict()


def delete_patient(pk) -> None:
    find_patient(pk).delete()


def find_doctor(pk) -> Doctor:
    doctor = Doctor.objects.filter(pk=pk).first()
    if doctor is None:
        raise NotFound(f"doctor {pk} not found")
    return doctor


def get_doctor(pk) -> dict:
    doctor = Doctor.objects.filter(pk=pk).first()
    return doctor.to_dict()


def create_doctor(payload: dict) -> dict:
    return Doctor.objects.create(**validators.doctor_fields(payload)).to_dict()


def update_doctor(pk, payload: dict) -> dict:
    doctor = find_doctor(pk)
    if "specialty" in payload:
        doctor.specialty = payload["specialty"]
    if "name" in payload:
        doctor.name = payload["name"]
    doctor.save()
    return doctor.to_dict()


def find_appointment(pk) -> Appointment:
    appointment = Appointment.objects.filter(pk=pk).first()
    if appointment is None:
        raise NotFound(f"appointment {pk} not found")
    return appointment


def list_appointments(doctor_id=None, status=None) -> list:
    return [appointment.to_dict() for appointment in selectors.appointments(doctor_id, status)]


def create_appointment(payload: dict) -> dict:
    fields = validators.appointment_fields(payload)
    find_patient(fields["patient_id"])
    find_doctor(fields["doctor_id"])
    return Appointment.objects.create(**fields).to_dict()


def reschedule(pk, payload: dict) -> dict:
    appointment = find_appointment(pk)
    if appointment.status != "scheduled":
        raise Conflict("only a scheduled appointment can be moved")
    fields = validators.appointment_fields({**appointment.to_dict(), **payload})
    appointment.starts_at = fields["starts_at"]
    appointment.duration_minutes = fields["duration_minutes"]
    appointment.save()
    return appointment.to_dict()


def cancel(pk) -> dict:
    appointment = find_appointment(pk)
    appointment.status = "cancelled"
    appointment.save()
    return appointment.to_dict()


def complete(pk) -> dict:
    appointment = find_appointment(pk)
    if appointment.status != "scheduled":
        raise Conflict("only a scheduled appointment can be completed")
    appointment.status = "completed"
    appointment.save()
    return appointment.to_dict()


def delete_appointment(pk) -> None:
    find_appointment(pk).delete()


def stats() -> dict:
    return {"patients": Patient.objects.count(), "doctors": Doctor.objects.count(),
            "scheduled": Appointment.objects.filter(status="scheduled").count()}
