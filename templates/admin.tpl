{{%AUTOESCAPE context="HTML"}}
<nav class="admin-nav" aria-label="Admin"><p>Admin area, as <strong>{{ADMIN}}</strong>: <a href="{{BASE}}/admin" aria-current="page">Accounts</a> · <a href="{{BASE}}/admin/events">Security events</a> · <a href="{{BASE}}/admin/mail">Mail queue</a></p></nav>
<h1>Find an account</h1>
<form method="get" action="{{BASE}}/admin" role="search">
<div class="field">
<label for="q">Address or name</label>
<input id="q" name="q" type="search" maxlength="254" required value="{{Q}}" aria-describedby="q-hint">
<p class="hint" id="q-hint">Any part of the email address or of the name.</p>
</div>
<button type="submit">Find</button>
</form>
{{#FOUND}}<div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways">
<table class="admin-table">
<caption>Accounts matching “{{Q}}”</caption>
<thead><tr><th scope="col">Email address</th><th scope="col">Name</th><th scope="col">State</th></tr></thead>
<tbody>
{{#ACCOUNT}}<tr><th scope="row"><a href="{{BASE}}/admin/user?id={{ID:u}}">{{EMAIL}}</a></th><td>{{NAME}}</td><td>{{STATE}}</td></tr>
{{/ACCOUNT}}</tbody>
</table>
</div>{{/FOUND}}
{{#NONE_FOUND}}<p role="status">No account matches “{{Q}}”.</p>{{/NONE_FOUND}}
