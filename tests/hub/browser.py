"""What a user does in the browser on the course's hub (Playwright, Debian's chromium).

Every step goes through the hub's pages as a person would use them: the login form, JupyterLab's
menus, nbgrader's Assignment List (Fetch, Submit, Fetch Feedback, view feedback), the notebook
editor (answers typed into the cells), Run All Cells, Save, the file browser and HTML viewer.
"""
import json
import time
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LONG = 240_000   # ms: a server that imports JupyterLab on a busy 2-core machine


class User:
    """One person's browser session on the hub."""

    def __init__(self, browser, hub, name, password, shots):
        self.hub, self.name, self.password, self.shots = hub, name, password, Path(shots)
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.base = f"{hub.url}/user/{name}/"
        self.step = 0

    def shot(self, what):
        self.step += 1
        path = self.shots / f"{self.name}-{self.step:02d}-{what}.png"
        self.page.screenshot(path=str(path))
        return path

    def log_in(self):
        """Submit the hub's login form (the hub then starts this user's server)."""
        page = self.page
        page.goto(f"{self.hub.url}/hub/login")
        page.fill("#username_input", self.name)
        page.fill("#password_input", self.password)
        page.click("#login_submit")

    def wait_for_lab(self):
        self.page.wait_for_url(f"**/user/{self.name}/lab**", timeout=LONG)
        self.page.wait_for_selector(".jp-LabShell", timeout=LONG)
        self.page.wait_for_selector(".lm-MenuBar-itemLabel:text-is('Nbgrader')", timeout=LONG)

    def open_menu(self, title):
        """Open the menu bar's ``title`` menu. On a busy machine a click can land while the menu
        bar still holds the menu that Escape just closed, and close it again: Escape and retry."""
        page = self.page
        shown = page.locator(".lm-Menu .lm-Menu-itemLabel").first
        for _ in range(5):
            page.click(f".lm-MenuBar-itemLabel:text-is('{title}')")
            try:
                shown.wait_for(timeout=15_000)
                return
            except PlaywrightTimeout:
                page.keyboard.press("Escape")
        shown.wait_for()

    def menu(self, title):
        """The labels of a menu of the menu bar (the menu is closed again)."""
        self.open_menu(title)
        labels = [t for t in self.page.locator(".lm-Menu .lm-Menu-itemLabel").all_inner_texts()
                  if t.strip()]
        self.page.keyboard.press("Escape")
        self.page.locator(".lm-Menu").first.wait_for(state="hidden")
        return labels

    def open_assignment_list(self):
        page = self.page
        if page.locator(".lm-TabBar-tabLabel:text-is('Assignments')").count():
            page.click(".lm-TabBar-tabLabel:text-is('Assignments')")
            page.click("#refresh_assignments_list")
        else:
            self.open_menu("Nbgrader")
            page.click(".lm-Menu-itemLabel:text-is('Assignment List')")
        page.wait_for_selector("#nbgrader-assignment-list .list_loading", state="hidden")

    def fetch(self, assignment):
        page = self.page
        page.wait_for_selector(f"#released_assignments_list .list_item:has-text('{assignment}')")
        self.shot("released")
        page.click(f"#released_assignments_list .list_item:has-text('{assignment}') "
                   "button:text-is('Fetch')")
        page.wait_for_selector(f"#fetched_assignments_list .list_item:has-text('{assignment}')",
                               timeout=LONG)
        self.shot("fetched")

    def open_notebook(self, assignment, notebook):
        """Open the fetched notebook from the Assignment List (expand, click its name)."""
        page = self.page
        page.click(f"#fetched_assignments_list a.assignment-notebooks-link:has-text('{assignment}')")
        page.click(f"#nbgrader-{self.hub.course_id}-{assignment} "
                   f"a:text-is('{Path(notebook).stem}')")
        page.wait_for_selector(f".lm-TabBar-tabLabel:text-is('{notebook}')")
        self.notebook = notebook
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        page.wait_for_selector("text=/\\| Idle$/", timeout=LONG)   # the kernel has started

    def type_answers(self, cells, answers):
        """Type ``answers`` ({cell index: code}) into the notebook's cells, replacing them."""
        page = self.page
        status = page.locator("text=/^Cell \\d+\\/\\d+$/").first
        page.click(f".lm-TabBar-tabLabel:text-is('{self.notebook}')")   # the current tab
        page.locator(".jp-Notebook [data-windowed-list-index='0']").click()
        page.keyboard.press("Escape")
        status.wait_for(timeout=LONG)   # the status bar's "Cell i/n" of the current notebook
        for index in sorted(answers):
            for _ in range(cells + 1):     # command mode: j moves down one cell
                if status.inner_text().strip() == f"Cell {index + 1}/{cells}":
                    break
                page.keyboard.press("j")
            page.keyboard.press("Enter")   # edit mode
            page.keyboard.press("Control+a")
            page.keyboard.insert_text(answers[index])
            page.keyboard.press("Escape")

    def run_all_and_save(self, on_disk, ran):
        """Run All Cells, wait for the kernel, Save; until ``ran(notebook on disk)``."""
        page = self.page
        self.open_menu("Run")
        page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        deadline = time.monotonic() + LONG / 1000
        while True:
            page.wait_for_selector("text=/\\| Idle$/", timeout=LONG)
            page.wait_for_function("() => ![...document.querySelectorAll('.jp-InputPrompt')]"
                                   ".some(e => e.textContent.includes('*'))", timeout=LONG)
            page.keyboard.press("Control+s")
            page.wait_for_selector(".lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)")
            if ran(json.loads(Path(on_disk).read_text())):
                return
            assert time.monotonic() < deadline, "the notebook did not finish running"
            time.sleep(1)

    def submit(self, assignment):
        self.open_assignment_list()
        self.page.click(f"#fetched_assignments_list .list_item:has-text('{assignment}') "
                        "button:text-is('Submit')")
        self.page.wait_for_selector(
            f"#submitted_assignments_list .list_item:has-text('{assignment}')", timeout=LONG)
        self.shot("submitted")

    def fetch_feedback(self, assignment, notebook):
        """Fetch Feedback, follow "view feedback", open the page; return its text."""
        page = self.page
        self.open_assignment_list()
        item = f"#submitted_assignments_list .list_item:has-text('{assignment}')"
        page.wait_for_selector(f"{item}:has-text('feedback available to fetch')")
        page.click(f"{item} button:text-is('Fetch Feedback')")
        page.click(f"{item} a:has-text('view feedback')", timeout=LONG)
        html = Path(notebook).stem + ".html"
        page.locator(f".jp-DirListing-item:has-text('{html}')").dblclick()
        frame = page.frame_locator(".jp-RenderedHTML iframe, .jp-HTMLViewer iframe").first
        frame.locator("h1").first.wait_for(timeout=LONG)   # the page, not the iframe's blank
        text = frame.locator("body").inner_text()
        self.shot("feedback")
        return text

    def terminal(self, commands):
        """Run shell lines in a new terminal of this user's server (the REST API and the
        terminal's websocket, through the hub's proxy, as JupyterLab's terminal does);
        returns what the terminal printed."""
        return self.page.evaluate("""async ([base, lines]) => {
          const xsrf = decodeURIComponent((document.cookie.match(/_xsrf=([^;]+)/) || [])[1]);
          const headers = {'X-XSRFToken': xsrf};
          const made = await fetch(base + 'api/terminals', {method: 'POST', headers});
          const name = (await made.json()).name;
          const ws = new WebSocket(base.replace(/^http/, 'ws') + 'terminals/websocket/' + name);
          let out = '';
          ws.onmessage = e => { const m = JSON.parse(e.data);
                                if (m[0] === 'stdout') out += m[1]; };
          await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
          ws.send(JSON.stringify(['stdin', lines.join('\\r') + '\\recho END-$((6*7))\\r']));
          const start = Date.now();
          while (!out.includes('END-42') && Date.now() - start < 60000)
            await new Promise(r => setTimeout(r, 200));
          ws.close();
          await fetch(base + 'api/terminals/' + name, {method: 'DELETE', headers});
          return out;
        }""", [self.base, list(commands)])
