{{%AUTOESCAPE context="HTML"}}
<nav class="admin-nav" aria-label="Admin"><p>Admin area, as <strong>{{ADMIN}}</strong>: <a href="{{BASE}}/admin">Accounts</a> · <a href="{{BASE}}/admin/events">Security events</a> · <a href="{{BASE}}/admin/mail" aria-current="page">Mail queue</a></p></nav>
<h1>Mail queue</h1>
<p>{{WAITING}} waiting, {{FAILED}} failed.</p>
{{#HAS_FAILED}}<form method="post" action="{{BASE}}/admin/mail/retry">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<button type="submit">Try the failed ones again now</button>
</form>{{/HAS_FAILED}}
{{#HAS_MAIL}}<div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways">
<table class="admin-table">
<caption>Oldest first, at most 200</caption>
<thead><tr><th scope="col">To</th><th scope="col">Queued (UTC)</th><th scope="col">Attempts</th><th scope="col">Next attempt</th><th scope="col">State</th></tr></thead>
<tbody>
{{#MAIL}}<tr><th scope="row">{{TO}}</th><td>{{QUEUED}}</td><td>{{ATTEMPTS}}</td><td>{{NEXT}}</td><td>{{STATE}}</td></tr>
{{/MAIL}}</tbody>
</table>
</div>{{/HAS_MAIL}}
{{#EMPTY}}<p role="status">Nothing waits.</p>{{/EMPTY}}
