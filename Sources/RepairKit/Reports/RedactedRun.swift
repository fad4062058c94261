import Foundation

extension SmokeRun {
    /// The run with what the app printed or answered masked by `redactor`: what reports
    /// (`results.json`, `junit.xml`, `report.html`, `--json`) are written from.
    public func redacted(by redactor: SecretRedactor) -> SmokeRun {
        var run = self
        run.results = results.map { $0.redacted(by: redactor) }
        run.groups = groups.map { group in
            var group = group
            group.violations = group.violations.map { violation in
                var violation = violation
                violation.result = violation.result.redacted(by: redactor)
                violation.logExcerpt = redactor.redact(violation.logExcerpt)
                violation.trace = violation.trace?.redacted(by: redactor)
                return violation
            }
            return group
        }
        if var failure = appFailure {
            failure.outputTail = redactor.redact(failure.outputTail)
            failure.message = redactor.redact(failure.message)
            run.appFailure = failure
        }
        return run
    }
}

extension ScenarioResult {
    func redacted(by redactor: SecretRedactor) -> ScenarioResult {
        var result = self
        result.bodyExcerpt = redactor.redact(bodyExcerpt)
        result.error = error.map(redactor.redact)
        result.requestBody = requestBody.map(redactor.redact)
        result.url = redactor.redact(url)
        result.requestHeaders = requestHeaders.map(redactor.redact)
        return result
    }
}

extension StackTrace {
    func redacted(by redactor: SecretRedactor) -> StackTrace {
        var trace = self
        trace.message = redactor.redact(message)
        trace.frames = frames.map { frame in
            var frame = frame
            frame.source = frame.source.map(redactor.redactSource)
            return frame
        }
        trace.cause = cause?.redacted(by: redactor)
        trace.subExceptions = subExceptions.map { $0.redacted(by: redactor) }
        return trace
    }
}
