"""Models: patients, doctors, appointments."""
import uuid

from django.db import models


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)
    date_of_birth = models.DateField(null=True)

    def to_dict(self) -> dict:
        return {"id": str(self.id), "name": self.name, "email": self.email,
                "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None}


class Doctor(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=200)
    specialty = models.CharField(max_length=100)

    def to_dict(self) -> dict:
        return {"id": str(self.id), "name": self.name, "specialty": self.specialty}


class Appointment(models.Model):
    STATUSES = ("scheduled", "cancelled", "completed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="appointments")
    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField()
    duration_minutes = models.IntegerField(default=30)
    status = models.CharField(max_length=20, default="scheduled")

    def to_dict(self) -> dict:
        return {"id": str(self.id), "patient_id": str(self.patient_id), "doctor_id": str(self.doctor_id),
                "starts_at": self.starts_at.isoformat(), "duration_minutes": self.duration_minutes, "status": self.status}
