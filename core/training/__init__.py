"""培训: courses, attendance and hours, quotas and qualifications, the attendance roster import."""
