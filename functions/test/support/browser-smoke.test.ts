import { describeInBrowser, launchBrowser } from './browser';

describeInBrowser('the headless browser the browser tests use', () => {
  it('runs a page script and reports what it computed', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="x"></p><script>document.getElementById("x").textContent = String(6 * 7)</script>');
      expect(await page.$eval('#x', (el) => el.textContent)).toBe('42');
    } finally {
      await browser.close();
    }
  });
});
